// make bench-streams: make bench's change-stream figure alone (1,000 streams over two BFF replicas,
// 200 writes/s), with the CPU each platform process spent on it; --profile runs bff-rest and
// notes-service under `node --cpu-prof` and summarizes their profiles (bench/results/profiles/).
//   node bench/change-streams-alone.ts [--profile] [--quick]
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureChangeStreams } from './change-streams.ts';
import { cpuSince, cpuSnapshot } from './process-stats.ts';
import { renderProfileSummary, summarizeProfile } from './profile-summary.ts';
import { fileStamp } from './report.ts';
import { benchSettings } from './settings.ts';
import { root, type ServiceEnv, startBenchStack } from './stack.ts';
import { production } from './variants.ts';

const { values } = parseArgs({ options: { profile: { type: 'boolean' }, quick: { type: 'boolean' } } });
const settings = benchSettings(values.quick ? ['--quick'] : [], process.env);
const log = (line: string) => process.stdout.write(`${line}\n`);
const profiled = ['bff', 'notes'] as const;
const folder = join(root, 'bench', 'results', 'profiles', fileStamp(new Date().toISOString()));

const stack = await startBenchStack(log);
try {
  let serviceEnv: ServiceEnv = {};
  if (values.profile) {
    await mkdir(folder, { recursive: true });
    serviceEnv = Object.fromEntries(
      profiled.map((service) => [service, { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${folder}/${service}` }]),
    );
  }
  const { platform } = await stack.startPlatform(production, serviceEnv, 2);
  const before = await cpuSnapshot();
  const started = performance.now();
  const { figure, cpu, seconds } = await (async () => {
    try {
      const figure = await measureChangeStreams(
        platform.bffUrls,
        platform.operationsUrl('notes'),
        settings.changeStreams,
      );
      return { figure, cpu: await cpuSince(before), seconds: (performance.now() - started) / 1000 };
    } finally {
      await platform.stop();
    }
  })();
  log(JSON.stringify(figure));
  log(`CPU seconds over ${seconds.toFixed(1)} s (streams opened, warm-up, writes, waiting for the last):`);
  for (const [group, used] of Object.entries(cpu.byGroup)) log(`  ${group}: ${used.toFixed(1)}`);
  log(`  all: ${cpu.totalSeconds.toFixed(1)}`);
  if (values.profile) {
    for (const service of profiled) {
      const dir = join(folder, service);
      for (const file of await readdir(dir)) {
        const profile = JSON.parse(await readFile(join(dir, file), 'utf8'));
        log(renderProfileSummary(`${service} ${file}`, summarizeProfile(profile, 20)));
      }
    }
  }
} finally {
  await stack.stop();
}
