// make bench-profile: one notes path under load with chosen services running under
// `node --cpu-prof`, then each profile summarized (bench/profile-summary.ts). The profiles and
// summary.md land in bench/results/profiles/<timestamp>/ (git-ignored); open a .cpuprofile in
// Chrome DevTools (Performance) or speedscope for the flame graph.
//   node bench/profile.ts [--services bff,notes] [--path create|list|get] [--seconds 20] [--connections 64]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad } from './load.ts';
import { renderProfileSummary, summarizeProfile } from './profile-summary.ts';
import { fileStamp } from './report.ts';
import { root, type ServiceEnv, startBenchStack } from './stack.ts';
import { type NotesPath, notesPaths, notesTarget } from './targets.ts';
import { createUsers, refreshUsers } from './users.ts';
import { production } from './variants.ts';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: 'bff,notes' },
    path: { type: 'string', default: 'create' },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '64' },
  },
});
const services = values.services.split(',') as (keyof ServiceEnv)[];
const path = values.path as NotesPath;
if (!notesPaths.includes(path)) throw new Error(`--path is one of ${notesPaths.join(', ')}`);
const connections = Number(values.connections);
const folder = join(root, 'bench', 'results', 'profiles', fileStamp(new Date().toISOString()));
await mkdir(folder, { recursive: true });
const log = (line: string) => process.stdout.write(`${line}\n`);

const stack = await startBenchStack(log);
try {
  const serviceEnv: ServiceEnv = Object.fromEntries(
    services.map((service) => [
      service,
      { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${folder} --cpu-prof-name=${service}.cpuprofile` },
    ]),
  );
  const { platform } = await stack.startPlatform(production, serviceEnv);
  const users = await createUsers(platform.bffUrl, 8);
  // Notes to read for list and get, and the JIT warmed up on the path before the profile matters.
  await runLoad(notesTarget(platform.bffUrl, users, 'create'), { connections, seconds: 5 });
  await refreshUsers(platform.bffUrl, users);
  log(`${path} at ${connections} connections for ${values.seconds} s, profiling ${services.join(', ')}`);
  const figure = await runLoad(notesTarget(platform.bffUrl, users, path), {
    connections,
    seconds: Number(values.seconds),
  });
  log(`${figure.requestsPerSecond} req/s, p99 ${figure.p99Ms} ms, ${figure.errors} errors (slower: profiling)`);
  // The profiles are written as the services exit.
  await platform.stop();
  const summaries = [];
  for (const service of services) {
    const profile = JSON.parse(await readFile(join(folder, `${service}.cpuprofile`), 'utf8'));
    summaries.push(renderProfileSummary(`${service} (${path}, whole run)`, summarizeProfile(profile, 15)));
  }
  const summary = summaries.join('\n');
  await writeFile(join(folder, 'summary.md'), summary);
  log(`\n${summary}\nprofiles and summary.md in ${folder}`);
} finally {
  await stack.stop();
}
