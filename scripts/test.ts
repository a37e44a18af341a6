// Runs a tier of tests (unit | integration | component | e2e | all) with node's test runner.
// Tiers other than unit get a real PostgreSQL: TEST_POSTGRES_URL when set, else an embedded
// server on a free port in a temporary folder, removed afterwards.
//   node scripts/test.ts <tier> [folder ...]   e.g. node scripts/test.ts integration services/auth-service
// Folders default to every package, every service and tests/ (the whole-platform tests).
import { spawn } from 'node:child_process';
import { chmod, glob, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type LocalPostgres, startLocalPostgres } from '@notes/local-infra';

const tiers = ['unit', 'integration', 'component', 'e2e'] as const;
type Tier = (typeof tiers)[number];

const [requested = 'all', ...folders] = process.argv.slice(2);
if (requested !== 'all' && !tiers.includes(requested as Tier)) {
  console.error(`unknown test tier "${requested}"; use one of: all, ${tiers.join(', ')}`);
  process.exit(2);
}
const selected: readonly Tier[] = requested === 'all' ? tiers : [requested as Tier];
const roots = folders.length > 0 ? folders : ['packages/*', 'services/*', 'tests'];

const env: Record<string, string | undefined> = { ...process.env };
let postgres: LocalPostgres | undefined;
let scratch: string | undefined;

async function startPostgresIfNeeded(): Promise<void> {
  if (env.TEST_POSTGRES_URL || selected.every((tier) => tier === 'unit')) return;
  scratch = await mkdtemp(join(tmpdir(), 'notes-test-pg-'));
  await chmod(scratch, 0o777); // as root, PostgreSQL runs as the postgres user and writes here
  const port = await freePort();
  postgres = await startLocalPostgres({ dataDir: join(scratch, 'data'), port, databases: [], ephemeral: true });
  env.TEST_POSTGRES_URL = postgres.url('postgres');
  console.log(`test PostgreSQL on 127.0.0.1:${port}`);
}

async function runTier(tier: Tier): Promise<number> {
  const files: string[] = [];
  // A package or service keeps its tests in test/<tier>/; the platform-wide tests/ folder in <tier>/.
  for (const root of roots) {
    for await (const file of glob([`${root}/test/${tier}/**/*.test.ts`, `${root}/${tier}/**/*.test.ts`])) {
      files.push(file);
    }
  }
  if (files.length === 0) return 0;
  console.log(`\n=== ${tier} tests (${files.length} files)`);
  // e2e tests start whole platforms of processes: one at a time on a 2-core machine.
  const args = ['--test', '--test-reporter=spec', `--test-concurrency=${tier === 'e2e' ? 1 : 2}`, ...files.sort()];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let failed = false;
const stop = async () => {
  await postgres?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
};
process.once('SIGINT', () => void stop().then(() => process.exit(130)));
try {
  await startPostgresIfNeeded();
  for (const tier of selected) {
    if ((await runTier(tier)) !== 0) failed = true;
  }
} finally {
  await stop();
}
process.exit(failed ? 1 : 0);
