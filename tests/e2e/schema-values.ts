import fc from 'fast-check';

/** A JSON Schema (2020-12, as OpenAPI 3.1 has them) of the subset the API's document uses. */
export type JsonSchema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
};

/**
 * `valid`: values the schema accepts. `mixed`: mostly those, but any member may be any JSON value
 * instead, required members may be missing and undeclared ones present: what a careless or
 * hostile client sends.
 */
export type Mode = 'valid' | 'mixed';

/** Longest strings and arrays generated: enough to cross every limit of the API but the body size. */
const maxGeneratedLength = 300;

export interface ValuesOptions {
  mode: Mode;
  /** The `$ref`s (`#/components/schemas/Name`) resolve among these. */
  components: Record<string, JsonSchema>;
  /** Values an object member of this name also takes, e.g. a real account's email and password. */
  known?: Record<string, unknown[]>;
}

/** Values for `schema`. */
export function valuesOf(schema: JsonSchema, options: ValuesOptions): fc.Arbitrary<unknown> {
  const values = (inner: JsonSchema): fc.Arbitrary<unknown> => valuesOf(inner, options);
  const valid = validValuesOf(schema, values, options);
  return options.mode === 'valid'
    ? valid
    : fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: fc.jsonValue() });
}

function validValuesOf(
  schema: JsonSchema,
  values: (schema: JsonSchema) => fc.Arbitrary<unknown>,
  options: ValuesOptions,
): fc.Arbitrary<unknown> {
  if (schema.$ref !== undefined) {
    const component = options.components[schema.$ref.replace('#/components/schemas/', '')];
    if (component === undefined) throw new Error(`unresolved ${schema.$ref}`);
    return values(component);
  }
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined) return fc.oneof(...alternatives.map(values));
  switch (schema.type) {
    case 'object':
      return objectsOf(schema, values, options);
    case 'array':
      return fc.array(values(schema.items ?? {}), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 10, maxGeneratedLength),
      });
    case 'string':
      return stringsOf(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -(2 ** 40), max: schema.maximum ?? 2 ** 40 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e12, max: schema.maximum ?? 1e12, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue();
  }
}

function objectsOf(
  schema: JsonSchema,
  values: (schema: JsonSchema) => fc.Arbitrary<unknown>,
  { mode, known = {} }: ValuesOptions,
): fc.Arbitrary<unknown> {
  const member = (name: string, inner: JsonSchema) => {
    const examples = known[name] ?? [];
    return examples.length === 0 ? values(inner) : fc.oneof(values(inner), fc.constantFrom(...examples));
  };
  const properties = Object.entries(schema.properties ?? {});
  const model = Object.fromEntries(properties.map(([name, inner]) => [name, member(name, inner)]));
  const required = (schema.required ?? []).filter((name) => name in model);
  const complete = fc.record(model, { requiredKeys: required });
  const declared = mode === 'valid' ? complete : fc.oneof(complete, fc.record(model, { requiredKeys: [] }));
  // An undeclared member besides, sometimes: the API ignores those.
  const undeclared = fc.option(
    fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue(), { maxKeys: 2 }),
  );
  return fc.tuple(declared, undeclared).map(([object, others]) => ({ ...others, ...object }));
}

function stringsOf(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? maxGeneratedLength, maxGeneratedLength);
  const fits = (text: string) => [...text].length >= minLength && [...text].length <= (schema.maxLength ?? Infinity);
  switch (schema.format) {
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc.emailAddress().filter(fits);
    case 'date-time':
      return fc
        .date({ noInvalidDate: true, min: new Date(0), max: new Date(2 ** 42) })
        .map((date) => date.toISOString());
  }
  if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern, 'u')).filter(fits);
  return fc.string({ unit: 'grapheme', minLength, maxLength }).filter(fits);
}
