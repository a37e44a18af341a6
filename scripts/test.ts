// Runs a tier of tests (unit | integration | component | e2e | browser | all) with node's test runner.
// Tiers other than unit get a real PostgreSQL and a real Kafka broker: TEST_POSTGRES_URL and
// KAFKA_BROKERS when set, else an embedded PostgreSQL and a single-node Kafka (KRaft; KAFKA_NODES=3:
// a cluster of three, topics with three replicas; two of them for the component and e2e tiers,
// whose files run in two lanes) on free ports in a temporary folder,
// removed afterwards. Tests read them as TEST_POSTGRES_URL and TEST_KAFKA_BROKERS (through @notes/testkit).
// The browser tier (tests/browser: the web client in headless Chromium against the whole platform)
// gets CHROMIUM_PATH from scripts/ensure-chromium.sh, which installs Debian's chromium when missing.
//   node scripts/test.ts <tier> [folder ...]   e.g. node scripts/test.ts integration services/auth-service
//   (a folder or file inside a tier's folder runs just those: node scripts/test.ts e2e tests/e2e/security)
// Folders default to every package, every service and tests/ (the whole-platform tests).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, glob, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { allTopics } from '@notes/contracts/names';
import {
  freeKafkaPorts,
  freePort,
  type LocalKafka,
  type LocalPostgres,
  startLocalKafka,
  startLocalPostgres,
} from '@notes/local-infra';

const tiers = ['unit', 'integration', 'component', 'e2e', 'browser'] as const;
type Tier = (typeof tiers)[number];

const [requested = 'all', ...folders] = process.argv.slice(2);
if (requested !== 'all' && !tiers.includes(requested as Tier)) {
  console.error(`unknown test tier "${requested}"; use one of: all, ${tiers.join(', ')}`);
  process.exit(2);
}
const selected: readonly Tier[] = requested === 'all' ? tiers : [requested as Tier];
// services/*/web: a service's web client (bff-rest's), which keeps its own test/ folder.
const roots = folders.length > 0 ? folders : ['packages/*', 'services/*', 'services/*/web', 'tests'];

const env: Record<string, string | undefined> = { ...process.env };
let postgres: LocalPostgres | undefined;
let kafkas: LocalKafka[] = [];
let scratch: string | undefined;
/**
 * The brokers of the lanes: component and e2e files that share a broker's state run one at a time
 * in a lane, the lanes at the same time, each on a broker of its own (one lane on KAFKA_BROKERS).
 */
const laneBrokers: string[] = [];

async function startDependenciesIfNeeded(): Promise<void> {
  if (selected.every((tier) => tier === 'unit')) return;
  scratch = await mkdtemp(join(tmpdir(), 'notes-test-'));
  await chmod(scratch, 0o777); // as root, PostgreSQL runs as the postgres user and writes here
  const startPostgres = async () => {
    if (env.TEST_POSTGRES_URL) return;
    const port = await freePort();
    postgres = await startLocalPostgres({ dataDir: join(scratch ?? '', 'pg'), port, databases: [], ephemeral: true });
    env.TEST_POSTGRES_URL = postgres.url('postgres');
    console.log(`test PostgreSQL on 127.0.0.1:${port}`);
  };
  const startKafka = async () => {
    if (env.KAFKA_BROKERS) {
      env.TEST_KAFKA_BROKERS = env.KAFKA_BROKERS;
      laneBrokers.push(env.KAFKA_BROKERS);
      return;
    }
    const lanes = selected.some((tier) => tier === 'component' || tier === 'e2e' || tier === 'browser') ? 2 : 1;
    const nodes = Number(env.KAFKA_NODES ?? 1);
    // Distinct ports for every node of every lane, then split into the lanes' clusters.
    const { moreNodes, ...first } = await freeKafkaPorts(nodes * lanes);
    const nodePorts = [first, ...moreNodes];
    kafkas = await Promise.all(
      Array.from({ length: lanes }, (_, lane) => nodePorts.slice(lane * nodes, (lane + 1) * nodes)).map(
        ([lanePorts, ...more], lane) =>
          startLocalKafka({
            dataDir: join(scratch ?? '', `kafka-${lane}`),
            port: lanePorts?.port ?? 0,
            controllerPort: lanePorts?.controllerPort ?? 0,
            moreNodes: more,
            topics: allTopics.map((name) => ({ name, partitions: 3 })),
          }),
      ),
    );
    laneBrokers.push(...kafkas.map((kafka) => kafka.brokers));
    env.TEST_KAFKA_BROKERS = laneBrokers[0];
    console.log(`test Kafka on ${laneBrokers.join(' and ')}`);
  };
  await Promise.all([startPostgres(), startKafka()]);
}

async function runTier(tier: Tier): Promise<number> {
  const files: string[] = [];
  // A package or service keeps its tests in test/<tier>/; the platform-wide tests/ folder in <tier>/.
  // A folder or test file inside a tier's folder (tests/e2e/security) stands for its own tests of that tier.
  for (const root of roots) {
    const insideTier = root.split('/').includes(tier);
    const patterns = !insideTier
      ? [`${root}/test/${tier}/**/*.test.ts`, `${root}/${tier}/**/*.test.ts`]
      : root.endsWith('.test.ts')
        ? [root]
        : [`${root}/**/*.test.ts`];
    for await (const file of glob(patterns)) {
      files.push(file);
    }
  }
  if (files.length === 0) return 0;
  console.log(`\n=== ${tier} tests (${files.length} files)`);
  if (tier === 'browser') {
    env.CHROMIUM_PATH = execFileSync('scripts/ensure-chromium.sh', {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  }
  if (tier === 'unit' || tier === 'integration') return runFiles(files, { concurrency: 2, live: true });
  // Component and e2e files: those that share a broker's state one at a time in each lane (a lane
  // takes the next file when its last is done), the lanes at once; the others beside them, two at
  // a time. Each report follows once its files are done, so that reports do not interleave.
  const queue = files.sort().filter(sharesBrokerState);
  const lane = async (brokers: string): Promise<number> => {
    let failed = 0;
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      failed ||= await runFiles([file], { concurrency: 1, brokers });
    }
    return failed;
  };
  const beside = files.filter((file) => !sharesBrokerState(file));
  const codes = await Promise.all([...laneBrokers.map(lane), runFiles(beside, { concurrency: 2 })]);
  return codes.find((code) => code !== 0) ?? 0;
}

/**
 * Files whose services act on what another such file publishes on their broker, or publish what
 * another's would act on; on one broker they must not run at the same time. auth-service's and
 * notes-service's consumers of saga.commands answer every saga's commands (every group on a topic
 * sees every message, so groups of their own would not keep them apart); the orchestrator turns
 * every auth.UserCreated into a SignUpSaga whose commands those consumers answer; every
 * auth-service file signs users up (auth.UserCreated); e2e files run whole platforms, each with
 * all of those. The rest (bff-rest on fakes, notes-service without its saga-command consumer,
 * publishing notes.events that no component file consumes but its own collectors, which keep
 * only their own keys) share nothing but databases and ports of their own.
 */
function sharesBrokerState(file: string): boolean {
  return [
    'services/auth-service/',
    'services/notes-service/test/component/saga-commands.test.ts',
    'services/saga-orchestrator/',
    'tests/e2e/',
    'tests/browser/',
  ].some((prefix) => relative(process.cwd(), resolve(file)).startsWith(prefix));
}

/**
 * node --test over files on brokers (the first lane's unless told); the report as it comes when
 * live, else once they are done (several runs at once do not interleave their reports).
 */
async function runFiles(
  files: string[],
  {
    concurrency,
    brokers = env.TEST_KAFKA_BROKERS,
    live = false,
  }: { concurrency: number; brokers?: string; live?: boolean },
): Promise<number> {
  if (files.length === 0) return 0;
  const args = ['--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...files.sort()];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', live ? 'inherit' : 'pipe', 'inherit'],
    env: { ...env, TEST_KAFKA_BROKERS: brokers },
  });
  const output: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  process.stdout.write(Buffer.concat(output));
  return code ?? (signal ? 1 : 0);
}

let failed = false;
const stop = async () => {
  await Promise.all([postgres?.stop(), ...kafkas.map((kafka) => kafka.stop())]);
  if (scratch) await rm(scratch, { recursive: true, force: true });
};
process.once('SIGINT', () => void stop().then(() => process.exit(130)));
try {
  await startDependenciesIfNeeded();
  for (const tier of selected) {
    if ((await runTier(tier)) !== 0) failed = true;
  }
} finally {
  await stop();
}
process.exit(failed ? 1 : 0);
