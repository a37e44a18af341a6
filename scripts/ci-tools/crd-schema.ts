// Turns the openAPIV3Schema of a CustomResourceDefinition (JSON) into the JSON schema kubeconform
// reads for that kind, the way kubeconform's own openapi2jsonschema.py does it, strict:
//   - an object with `properties` and no `additionalProperties` (and no
//     x-kubernetes-preserve-unknown-fields) admits no other key, as the API server prunes them;
//   - x-kubernetes-int-or-string becomes "an integer or a string";
//   - apiVersion and kind must be this resource's.
// Writes <out>/<group>/<kind>_<version>.json for every served version (the layout of
// kubeconform's -schema-location '<out>/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json').
//   node scripts/ci-tools/crd-schema.ts <crd.json> <out folder>
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Schema = { [key: string]: unknown };

function strict(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && value !== null && typeof value === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([name, sub]) => [name, strict(sub)]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && value !== null && typeof value === 'object') {
      out[key] = strict(value as Schema);
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map((sub: Schema) => strict(sub));
    } else {
      out[key] = value;
    }
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    delete out.format;
    out.oneOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (out.properties !== undefined && out.additionalProperties === undefined) {
    if (out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  }
  return out;
}

const [crdFile, outDir] = process.argv.slice(2);
if (crdFile === undefined || outDir === undefined) {
  console.error('usage: node crd-schema.ts <crd.json> <out folder>');
  process.exit(2);
}
const crd = JSON.parse(readFileSync(crdFile, 'utf8'));
const group: string = crd.spec.group;
const kind: string = crd.spec.names.kind;
for (const version of crd.spec.versions as { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[]) {
  if (!version.served) continue;
  const schema = strict(version.schema.openAPIV3Schema);
  const properties = schema.properties as Record<string, Schema>;
  properties.apiVersion = { type: 'string', enum: [`${group}/${version.name}`] };
  properties.kind = { type: 'string', enum: [kind] };
  schema.required = [...new Set([...((schema.required as string[]) ?? []), 'apiVersion', 'kind', 'metadata'])];
  const dir = join(outDir, group);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${kind.toLowerCase()}_${version.name}.json`);
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`${file}`);
}
