// The generate stage of services/Dockerfile runs this after `make bundle`: it lays out what the
// runtime stage of one service's image copies, so that one Dockerfile serves every service.
//   node scripts/docker/runtime-files.ts <service> <from> <to>     e.g. auth-service /src /out
//   <to>/manifests: the root package.json and package-lock.json and the package.json of each
//                   workspace the service needs at run time (its "dependencies" among packages/*,
//                   transitively, and itself): npm ci installs for those alone
//   <to>/app:       those workspaces' folders as the build left them (sources, config.yaml,
//                   migrations, generated code, the bundle), without their node_modules
// <from> is the build context after `make bundle` (.dockerignore has already kept tests out).
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const [service, from, to] = process.argv.slice(2);
if (!service || !from || !to) {
  console.error('usage: node scripts/docker/runtime-files.ts <service> <from> <to>');
  process.exit(2);
}

function manifest(folder: string): { name: string; dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(from ?? '', folder, 'package.json'), 'utf8'));
}

const folderOf = new Map<string, string>();
for (const group of ['packages', 'services']) {
  for (const name of readdirSync(join(from, group))) {
    const folder = `${group}/${name}`;
    if (existsSync(join(from, folder, 'package.json'))) folderOf.set(manifest(folder).name, folder);
  }
}

const needed = new Set<string>();
const visit = (folder: string) => {
  if (needed.has(folder)) return;
  needed.add(folder);
  for (const dependency of Object.keys(manifest(folder).dependencies ?? {})) {
    const workspace = folderOf.get(dependency);
    if (workspace) visit(workspace);
  }
};
const serviceFolder = `services/${service}`;
if (!existsSync(join(from, serviceFolder, 'package.json'))) {
  console.error(`runtime-files: no workspace ${serviceFolder} in ${from}`);
  process.exit(2);
}
visit(serviceFolder);

const manifests = join(to, 'manifests');
mkdirSync(manifests, { recursive: true });
for (const file of ['package.json', 'package-lock.json']) cpSync(join(from, file), join(manifests, file));
for (const folder of needed) {
  cpSync(join(from, folder, 'package.json'), join(manifests, folder, 'package.json'));
  cpSync(join(from, folder), join(to, 'app', folder), {
    recursive: true,
    filter: (path) => !relative(join(from, folder), path).split(sep).includes('node_modules'),
  });
}
console.log(`runtime-files: ${service} needs ${[...needed].sort().join(', ')}`);
