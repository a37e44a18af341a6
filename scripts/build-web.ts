// `make web` (a step of `make build` and `make dev`): the web client (services/bff-rest/web) as
// static files with content-hashed names in services/bff-rest/web/dist (git-ignored), which
// bff-rest serves at / (docs/decisions/0015-web-client-preact-and-esbuild.md).
//   node scripts/build-web.ts   prints the files and their gzipped sizes
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const webDir = resolve(import.meta.dirname, '..', 'services', 'bff-rest', 'web');
const outdir = join(webDir, 'dist');

await rm(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { app: join(webDir, 'src', 'main.tsx'), styles: join(webDir, 'src', 'styles.css') },
  outdir: join(outdir, 'assets'),
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome115', 'firefox115', 'safari16'],
  tsconfig: join(webDir, 'tsconfig.json'),
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

/** The hashed file an entry point became, as the path the page loads it from. */
function servedPath(entry: string): string {
  const [output] =
    Object.entries(result.metafile.outputs).find(([, { entryPoint }]) => entryPoint?.endsWith(entry)) ?? [];
  if (output === undefined) throw new Error(`esbuild wrote nothing for ${entry}`);
  return `/assets/${basename(output)}`;
}

const page = (await readFile(join(webDir, 'index.html'), 'utf8'))
  .replace('{{script}}', servedPath('src/main.tsx'))
  .replace('{{styles}}', servedPath('src/styles.css'));
await mkdir(outdir, { recursive: true });
await writeFile(join(outdir, 'index.html'), page);

for (const output of [...Object.keys(result.metafile.outputs), relative(process.cwd(), join(outdir, 'index.html'))]) {
  const bytes = await readFile(output);
  console.log(`${relative(process.cwd(), output)}  ${bytes.length} B, ${gzipSync(bytes).length} B gzipped`);
}
