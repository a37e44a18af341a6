// What make bench runs on, all on this machine: an embedded PostgreSQL with default durability
// (fsync and synchronous_commit on), a single-node Kafka broker, the OTLP sink, the bare Fastify
// hello-world, and the platform itself as processes, started once per variant.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { allTopics } from '@notes/contracts/names';
import {
  ensureSigningKeys,
  freePlatformPorts,
  freePort,
  httpOk,
  type KeyFiles,
  type LocalPostgres,
  type Platform,
  type ServiceProcess,
  startLocalKafka,
  startLocalPostgres,
  startPlatform,
  startServiceProcess,
  waitUntil,
} from '@notes/local-infra';
import { type OtlpSink, startOtlpSink } from './otlp-sink.ts';
import type { Variant } from './variants.ts';

export const root = resolve(import.meta.dirname, '..');
const execFileAsync = promisify(execFile);
const databases = { auth: 'bench_auth', notes: 'bench_notes', saga: 'bench_saga' };
/** pgbench's database: the notes schema, migrated by notes-service, with no service on it. */
const ceilingDatabase = 'bench_ceiling';

export interface BenchStack {
  postgres: LocalPostgres;
  brokers: string;
  sink: OtlpSink;
  helloUrl: string;
  /** Where pgbench runs its scripts. */
  ceilingUrl: string;
  /** notes-service's database, where the welcome-note measurement finds the notes. */
  notesDatabaseUrl: string;
  /**
   * The platform on the stack's databases (kept from one start to the next) with a variant's
   * settings, each service run from its bundle as its image runs it (`make bundle`, which the
   * bench's make targets build first), LOG_LEVEL=info (JSON lines, as in production), each
   * service's NODE_OPTIONS as its image sets them (V8's heap settings; a NODE_OPTIONS in
   * `extraEnv` is added to them) and no per-IP rate limit (all the load comes from one address);
   * resolves once every service is ready, with how long that took.
   */
  startPlatform(
    variant: Variant,
    extraEnv?: ServiceEnv,
    bffReplicas?: number,
  ): Promise<{ platform: Platform; readyMs: number }>;
  stop(): Promise<void>;
}

export type ServiceEnv = Partial<Record<'auth' | 'notes' | 'saga' | 'bff', Record<string, string>>>;

const services: (keyof ServiceEnv)[] = ['auth', 'notes', 'saga', 'bff'];

/** The NODE_OPTIONS every service's image runs it with (services/Dockerfile's ENV): production's V8 settings. */
async function imageNodeOptions(): Promise<string> {
  const dockerfile = await readFile(join(root, 'services', 'Dockerfile'), 'utf8');
  const options = /^ENV NODE_OPTIONS="([^"]*)"/m.exec(dockerfile)?.[1];
  if (options === undefined) throw new Error('services/Dockerfile sets no NODE_OPTIONS');
  return options;
}

export async function startBenchStack(log: (line: string) => void): Promise<BenchStack> {
  const scratch = await mkdtemp(join(tmpdir(), 'notes-bench-'));
  await chmod(scratch, 0o777); // as root, PostgreSQL runs as the postgres user and writes here
  const stoppers: (() => Promise<void>)[] = [() => rm(scratch, { recursive: true, force: true })];
  const stop = async () => {
    for (const stopOne of stoppers.toReversed()) await stopOne();
  };
  try {
    const [startedPostgres, startedKafka] = await Promise.allSettled([
      startLocalPostgres({
        dataDir: join(scratch, 'pg'),
        port: await freePort(),
        databases: [...Object.values(databases), ceilingDatabase],
      }),
      startLocalKafka({
        dataDir: join(scratch, 'kafka'),
        port: await freePort(),
        controllerPort: await freePort(),
        topics: allTopics.map((name) => ({ name, partitions: 3 })),
      }),
    ]);
    // Whichever started is stopped with the stack, also when the other did not.
    for (const started of [startedPostgres, startedKafka]) {
      if (started.status === 'fulfilled') stoppers.push(() => started.value.stop());
    }
    if (startedPostgres.status === 'rejected') throw startedPostgres.reason;
    if (startedKafka.status === 'rejected') throw startedKafka.reason;
    const [postgres, kafka] = [startedPostgres.value, startedKafka.value];
    const sink = await startOtlpSink();
    stoppers.push(() => sink.close());
    const hello = await startHelloServer(log);
    stoppers.push(() => hello.process.stop());
    const keys = await ensureSigningKeys(join(scratch, 'keys'));
    const ceilingUrl = postgres.url(ceilingDatabase);
    await execFileAsync(
      process.execPath,
      [join(root, 'services', 'notes-service', 'src', 'main.ts'), 'migrate', 'up'],
      {
        env: {
          PATH: process.env.PATH,
          NOTES_DB_DSN: ceilingUrl,
          KAFKA_BROKERS: kafka.brokers,
          GRPC_PLAINTEXT: 'true', // migrating serves nothing
          LOG_LEVEL: 'warn',
        },
      },
    );
    return {
      postgres,
      brokers: kafka.brokers,
      sink,
      helloUrl: hello.url,
      ceilingUrl,
      notesDatabaseUrl: postgres.url(databases.notes),
      startPlatform: (variant, extraEnv, bffReplicas) =>
        startVariant({ postgres, brokers: kafka.brokers, keys, sink, log }, variant, extraEnv, bffReplicas),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startHelloServer(log: (line: string) => void): Promise<{ process: ServiceProcess; url: string }> {
  const port = await freePort();
  const hello = startServiceProcess({
    name: 'hello',
    entry: join(root, 'bench', 'hello-server.ts'),
    args: [String(port)],
    cwd: root,
    env: {},
    onLine: () => undefined,
    onUnexpectedExit: (_name, code) => log(`hello-server exited with ${code}`),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil('hello-server', () => httpOk(`${url}/`), 10_000).catch(async (error: unknown) => {
    await hello.stop();
    throw error;
  });
  return { process: hello, url };
}

// The JSON log lines of pino at warn (40) or above: the rest (info, a line or two per request) is dropped.
const warnsOrWorse = (line: string) => /"level":[4-6]\d/.test(line);

/** At most `max` lines, then one saying how many more there were (an error per request would flood the run). */
function limitedLog(log: (line: string) => void, max: number) {
  let count = 0;
  return {
    log(line: string) {
      count += 1;
      if (count <= max) log(line.length > 400 ? `${line.slice(0, 400)}…` : line);
      else if (count === max + 1) log(`… further service warnings and errors not shown`);
    },
  };
}

async function startVariant(
  stack: { postgres: LocalPostgres; brokers: string; keys: KeyFiles; sink: OtlpSink; log: (line: string) => void },
  variant: Variant,
  extraEnv: ServiceEnv = {},
  bffReplicas = 1,
): Promise<{ platform: Platform; readyMs: number }> {
  const started = performance.now();
  const shown = limitedLog(stack.log, 20);
  const serviceEnv: ServiceEnv = {};
  const options = await imageNodeOptions();
  for (const service of services) {
    const extra = extraEnv[service] ?? {};
    serviceEnv[service] = { ...extra, NODE_OPTIONS: [options, extra.NODE_OPTIONS].filter(Boolean).join(' ') };
  }
  const platform = await startPlatform({
    root,
    dsn: {
      auth: stack.postgres.url(databases.auth),
      notes: stack.postgres.url(databases.notes),
      saga: stack.postgres.url(databases.saga),
    },
    kafkaBrokers: stack.brokers,
    ports: await freePlatformPorts(bffReplicas),
    keys: stack.keys,
    logLevel: 'info',
    serviceEntry: 'bundle',
    env: variant.tracing ? { OTEL_EXPORTER_OTLP_ENDPOINT: stack.sink.endpoint } : {},
    serviceEnv: { ...serviceEnv, bff: { RATE_LIMIT_PER_IP_MAX: String(1e9), ...serviceEnv.bff } },
    ...variant.options,
    readyTimeoutMs: 60_000,
    onLine: (service, line, stream) => {
      if (stream === 'stderr' || warnsOrWorse(line)) shown.log(`${service}| ${line}`);
    },
    onUnexpectedExit: (service, code) => stack.log(`${service} exited with ${code}`),
  });
  return { platform, readyMs: Math.round(performance.now() - started) };
}
