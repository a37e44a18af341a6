// `make bundle`: each service's module graph as one plain-JavaScript ES module,
// services/<name>/dist/main.js (git-ignored), which the images and the benchmark run
// (docs/decisions/0009-bundled-service-entry-points.md). Development and tests keep running the
// TypeScript sources (ADR 0001); the bundle is built from the same sources, so it behaves the same.
//   node scripts/bundle.ts [service...]   (every service with a src/main.ts by default)
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

const root = resolve(import.meta.dirname, '..');

/**
 * Loaded from node_modules at run time, not bundled: a native addon (its .node file is picked per
 * platform), and Swagger UI, which serves the static files of its own package folder.
 */
const external = ['@node-rs/argon2', '@fastify/swagger-ui'];

/**
 * Operator tools an image carries beside its service, bundled the same way into the same dist/:
 * the delivery reconciler (scripts/delivery-check.ts, which the Helm chart and docker compose
 * deploy) in saga-orchestrator's image, the service whose work it proves, so no image of its own.
 */
const operatorTools: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'saga-orchestrator': { 'delivery-check': 'scripts/delivery-check.ts' },
};

/**
 * A bundle has one import.meta for every module in it, but modules find files next to themselves
 * (config.yaml, migrations/, the root package.json, a package's .wasm). Each module's
 * import.meta.dirname and import.meta.url are rewritten to its own folder and file, relative to
 * the bundle, so that the same files are read wherever the repository (or the image's /app) is.
 */
function sourceLocations(outdir: string): Plugin {
  return {
    name: 'source-locations',
    setup(builder) {
      builder.onLoad({ filter: /\.[cm]?[jt]s$/ }, async ({ path }) => {
        const text = await readFile(path, 'utf8');
        if (!text.includes('import.meta.')) return undefined;
        const fromBundle = relative(outdir, path);
        const contents = text
          .replaceAll('import.meta.dirname', `(import.meta.dirname + ${JSON.stringify(`/${dirname(fromBundle)}`)})`)
          .replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`);
        return { contents, loader: path.endsWith('ts') ? 'ts' : 'js' };
      });
    },
  };
}

/** The bundle of services/<name>: dist/main.js beside its src/, and dist/<tool>.js for its operator tools. */
export async function bundleService(name: string): Promise<string> {
  const serviceDir = join(root, 'services', name);
  const outdir = join(serviceDir, 'dist');
  const tools = Object.entries(operatorTools[name] ?? {}).map(([tool, source]) => [tool, join(root, source)]);
  const result = await build({
    entryPoints: { main: join(serviceDir, 'src', 'main.ts'), ...Object.fromEntries(tools) },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    external,
    // Node's own resolution for packages that are CommonJS inside an ES module bundle.
    banner: {
      js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);",
    },
    // Not minified: a stack trace names a line of readable code.
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    plugins: [sourceLocations(outdir)],
  });
  return Object.entries(result.metafile.outputs)
    .map(([file, output]) => `${relative(root, resolve(file))} (${(output.bytes / 1024).toFixed(0)} KiB)`)
    .join('\n');
}

if (import.meta.main) {
  const requested = process.argv.slice(2);
  const services =
    requested.length > 0
      ? requested
      : readdirSync(join(root, 'services')).filter((name) =>
          existsSync(join(root, 'services', name, 'src', 'main.ts')),
        );
  for (const line of await Promise.all(services.map(bundleService))) console.log(line);
}
