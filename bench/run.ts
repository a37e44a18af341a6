// make bench: brings the platform up (embedded PostgreSQL with default durability, services as
// processes, LOG_LEVEL=warn), warms up, and measures each figure next to its ceiling in the same
// run. Results: bench/results/<timestamp>.json and .md.
//   BENCH_DURATION=10 (seconds per measurement)   BENCH_CONNECTIONS=32
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { allTopics } from '@notes/kafka';
import {
  ensureSigningKeys,
  freePort,
  httpOk,
  startLocalKafka,
  startLocalPostgres,
  startPlatform,
  startServiceProcess,
  waitUntil,
} from '@notes/local-infra';
import autocannon from 'autocannon';

const root = resolve(import.meta.dirname, '..');
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);

interface Figure {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

async function load(name: string, options: autocannon.Options, seconds = duration): Promise<Figure> {
  const result = await autocannon({ ...options, duration: seconds, connections });
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface WelcomeNoteLatency {
  signUps: number;
  perSecond: number;
  /** Sign-up committed (the user's created_at) → welcome note committed (its created_at): Argon2 excluded. */
  signUpToWelcomeNote: { p50Ms: number; p99Ms: number; maxMs: number };
  /** What the client waits for POST /v1/auth/sign-up, Argon2id hashing included: reported beside. */
  signUpRequest: { p50Ms: number; p99Ms: number };
}

/**
 * SignUpSaga's latency: `perSecond` sign-ups a second for `seconds`; for each, the time between the
 * user's created_at (set just before the sign-up commits) and the welcome note's created_at (just
 * before it commits), both stamped by the services on this machine's clock.
 */
async function measureWelcomeNoteLatency(
  bffUrl: string,
  perSecond: number,
  seconds: number,
): Promise<WelcomeNoteLatency> {
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const response = await fetch(`${bffUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const one = async (index: number) => {
    const credentials = { email: `saga-bench-${Date.now()}-${index}@example.com`, password: 'benchmark password' };
    const started = performance.now();
    const signUp = await call('POST', '/v1/auth/sign-up', credentials);
    const requestMs = performance.now() - started;
    if (signUp.status !== 201) throw new Error(`sign-up answered ${signUp.status}`);
    const token = (await call('POST', '/v1/auth/sign-in', credentials)).json.access_token as string;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      const items = (await call('GET', '/v1/notes', undefined, token)).json.items as { created_at: string }[];
      const [welcome] = items;
      if (welcome) {
        return { requestMs, sagaMs: Date.parse(welcome.created_at) - Date.parse(signUp.json.created_at as string) };
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('no welcome note after 30 s');
  };
  const runs: Promise<{ requestMs: number; sagaMs: number }>[] = [];
  for (let i = 0; i < perSecond * seconds; i++) {
    runs.push(one(i));
    await new Promise((resolve) => setTimeout(resolve, 1000 / perSecond));
  }
  const results = await Promise.all(runs);
  const saga = results.map((r) => r.sagaMs).sort((a, b) => a - b);
  const request = results.map((r) => r.requestMs).sort((a, b) => a - b);
  return {
    signUps: results.length,
    perSecond,
    signUpToWelcomeNote: { p50Ms: percentile(saga, 50), p99Ms: percentile(saga, 99), maxMs: saga.at(-1) ?? Number.NaN },
    signUpRequest: { p50Ms: Math.round(percentile(request, 50)), p99Ms: Math.round(percentile(request, 99)) },
  };
}

async function measureDevStartup(): Promise<number> {
  // Time from `node scripts/dev.ts` to its ready line, on an installed checkout whose .data exists.
  const ports = {
    SAGA_GRPC_PORT: await freePort(),
    SAGA_HTTP_PORT: await freePort(),
    BFF_HTTP_PORT: await freePort(),
    AUTH_GRPC_PORT: await freePort(),
    NOTES_GRPC_PORT: await freePort(),
    DEV_POSTGRES_PORT: await freePort(),
    DEV_KAFKA_PORT: await freePort(),
    DEV_KAFKA_CONTROLLER_PORT: await freePort(),
  };
  const env = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    LOG_LEVEL: 'warn',
  };
  const run = () =>
    new Promise<number>((resolvePromise, reject) => {
      const started = performance.now();
      const child = spawn(process.execPath, ['scripts/dev.ts'], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let seen = false;
      child.stdout.on('data', async (chunk: Buffer) => {
        if (seen || !chunk.toString().includes('Notes platform ready')) return;
        seen = true;
        const readyMs = performance.now() - started;
        const ok = await httpOk(`http://127.0.0.1:${ports.BFF_HTTP_PORT}/readyz`).catch(() => false);
        child.kill('SIGTERM');
        child.once('exit', () => (ok ? resolvePromise(readyMs) : reject(new Error('/readyz was not 200'))));
      });
      child.once('exit', (code) => {
        if (!seen) reject(new Error(`make dev exited with ${code} before it was ready`));
      });
    });
  await run(); // the first run may initialise .data/postgres
  return run();
}

const scratch = await mkdtemp(join(tmpdir(), 'notes-bench-'));
await chmod(scratch, 0o777);
const pgPort = await freePort();
const postgres = await startLocalPostgres({
  dataDir: join(scratch, 'pg'),
  port: pgPort,
  databases: ['bench_auth', 'bench_notes', 'bench_saga'],
});
const kafka = await startLocalKafka({
  dataDir: join(scratch, 'kafka'),
  port: await freePort(),
  controllerPort: await freePort(),
  topics: allTopics.map((name) => ({ name, partitions: 3 })),
});
const platform = await startPlatform({
  root,
  dsn: { auth: postgres.url('bench_auth'), notes: postgres.url('bench_notes'), saga: postgres.url('bench_saga') },
  kafkaBrokers: kafka.brokers,
  ports: {
    bff: await freePort(),
    auth: await freePort(),
    notes: await freePort(),
    saga: await freePort(),
    sagaHttp: await freePort(),
  },
  keys: await ensureSigningKeys(join(scratch, 'keys')),
  logLevel: 'warn',
  onLine: (service, line, stream) => stream === 'stderr' && console.error(`${service}| ${line}`),
  onUnexpectedExit: (service, code) => console.error(`${service} exited with ${code}`),
});
const helloPort = await freePort();
const hello = startServiceProcess({
  name: 'hello',
  entry: join(root, 'bench', 'hello-server.ts'),
  args: [String(helloPort)],
  cwd: root,
  env: {},
  onLine: () => undefined,
  onUnexpectedExit: (_name, code) => console.error(`hello-server exited with ${code}`),
});
try {
  await waitUntil('hello-server', () => httpOk(`http://127.0.0.1:${helloPort}/`), 10_000);
  const email = `bench-${Date.now()}@example.com`;
  const credentials = JSON.stringify({ email, password: 'benchmark password' });
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${platform.bffUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  await post('/v1/auth/sign-up', credentials);
  const { access_token: token } = (await (await post('/v1/auth/sign-in', credentials)).json()) as {
    access_token: string;
  };
  const createNote: autocannon.Options = {
    url: `${platform.bffUrl}/v1/notes`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ title: 'benchmark note', content: 'x'.repeat(200) }),
  };
  const helloWorld: autocannon.Options = { url: `http://127.0.0.1:${helloPort}/` };

  console.log(`warming up (${connections} connections)…`);
  await load('warm-up create', createNote, 3);
  await load('warm-up hello', helloWorld, 3);
  const figures = [
    await load('POST /v1/notes (full path)', createNote),
    await load('bare Fastify hello-world', helloWorld),
  ];
  const welcomeNote = await measureWelcomeNoteLatency(platform.bffUrl, 20, duration);
  const devStartupMs = await measureDevStartup();

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
  const stamp = new Date().toISOString().replaceAll(':', '-');
  const [create, ceiling] = figures as [Figure, Figure];
  const table = [
    `# Benchmark ${stamp}`,
    '',
    `Machine: ${machine}. ${connections} connections, ${duration} s per figure, autocannon in the same process as the runner.`,
    '',
    '| figure | req/s | p50 ms | p99 ms | errors | non-2xx |',
    '|---|---:|---:|---:|---:|---:|',
    ...figures.map(
      (f) => `| ${f.name} | ${f.requestsPerSecond} | ${f.p50Ms} | ${f.p99Ms} | ${f.errors} | ${f.non2xx} |`,
    ),
    '',
    `Full path at ${((100 * create.requestsPerSecond) / ceiling.requestsPerSecond).toFixed(1)} % of the bare Fastify rate.`,
    `Sign-up committed → welcome note committed (SignUpSaga through Kafka), ${welcomeNote.signUps} sign-ups at ${welcomeNote.perSecond}/s: p50 ${welcomeNote.signUpToWelcomeNote.p50Ms} ms, p99 ${welcomeNote.signUpToWelcomeNote.p99Ms} ms (max ${welcomeNote.signUpToWelcomeNote.maxMs}); the sign-up request itself (Argon2id included): p50 ${welcomeNote.signUpRequest.p50Ms} ms, p99 ${welcomeNote.signUpRequest.p99Ms} ms.`,
    `make dev (installed checkout, existing .data) to ready: ${(devStartupMs / 1000).toFixed(1)} s.`,
    '',
  ].join('\n');
  await mkdir(join(root, 'bench', 'results'), { recursive: true });
  await writeFile(
    join(root, 'bench', 'results', `${stamp}.json`),
    `${JSON.stringify({ machine, connections, duration, figures, welcomeNote, devStartupMs }, null, 2)}\n`,
  );
  await writeFile(join(root, 'bench', 'results', `${stamp}.md`), table);
  console.log(`\n${table}`);
} finally {
  await hello.stop();
  await platform.stop();
  await Promise.all([postgres.stop(), kafka.stop()]);
  await rm(scratch, { recursive: true, force: true });
}
