// main.ts as its own process: configuration errors, migrations, serving and SIGTERM.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { createGrpcTransport } from '@notes/grpc';
import { createPool } from '@notes/postgres';
import { createTestDatabase, exitOf, logLine, runMain, type TestDatabase, testKafkaBrokers } from '@notes/testkit';

const mainFile = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
const timeout = 60_000;
let database: TestDatabase;

before(async () => {
  database = await createTestDatabase('saga_main');
});

after(async () => {
  await database?.drop();
});

/** The settings main.ts needs; in-process clients here talk h2c (mutual TLS: packages/grpc, tests/e2e). */
function environment(): Record<string, string> {
  return { SAGA_DB_DSN: database.url, KAFKA_BROKERS: testKafkaBrokers(), GRPC_PLAINTEXT: 'true' };
}

async function tables(): Promise<string[]> {
  const pool = createPool({ dsn: database.url, maxConnections: 1, applicationName: 'saga-main-test' });
  try {
    const { rows } = await pool.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    return rows.map((row) => row.name);
  } finally {
    await pool.end();
  }
}

test('a missing setting stops it with one line naming the variable on stderr and exit code 1', async () => {
  const noDatabase = await exitOf(runMain(mainFile, [], { KAFKA_BROKERS: 'k:9092' }));
  assert.equal(noDatabase.code, 1);
  assert.match(
    noDatabase.stderr,
    /^saga-orchestrator: invalid setting database\.dsn \(env SAGA_DB_DSN\): is required\n$/,
  );
  const noKafka = await exitOf(runMain(mainFile, [], { SAGA_DB_DSN: 'postgres://x@127.0.0.1/x' }));
  assert.equal(noKafka.code, 1);
  assert.match(noKafka.stderr, /KAFKA_BROKERS/);
});

test('an unknown command prints the usage and exits 2', async () => {
  const { code, stderr } = await exitOf(runMain(mainFile, ['migrate', 'sideways'], environment()));
  assert.equal(code, 2);
  assert.match(stderr, /usage: node src\/main.ts \[migrate up\|down\]/);
});

test('migrate up creates the engine, outbox and processed-events tables; down reverts the latest of each set', {
  timeout,
}, async () => {
  const up = await exitOf(runMain(mainFile, ['migrate', 'up'], { ...environment(), LOG_LEVEL: 'info' }));
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /migrate up done/);
  const created = await tables();
  for (const table of ['sagas', 'saga_steps', 'outbox', 'processed_events']) assert.ok(created.includes(table), table);

  const down = await exitOf(runMain(mainFile, ['migrate', 'down'], environment()));
  assert.equal(down.code, 0, down.stderr);
  // The outbox and processed-events sets have one migration each; the engine's latest adds the
  // sagas' trace context (sagas.trace_headers), so its tables stay.
  assert.deepEqual(
    (await tables()).filter((table) => !table.endsWith('migrations')),
    ['saga_steps', 'sagas'],
    'the latest migration of each set is reverted',
  );
});

test('serves gRPC and the operations port until SIGTERM, then exits 0', { timeout }, async () => {
  const child = runMain(mainFile, [], {
    ...environment(),
    SAGA_GRPC_PORT: '0',
    SAGA_HTTP_PORT: '0',
    // The broker is shared with other tests: a group of its own, and none of the topics' history.
    SAGA_CONSUMER_GROUP: `saga-main-test-${randomUUID()}`,
    SAGA_CONSUMER_START_AT: 'latest',
  });
  const exited = exitOf(child);
  const listening = await logLine<{ msg: string; port: number; httpPort: number }>(
    child,
    'saga-orchestrator listening',
  );
  assert.ok(listening, 'logged "saga-orchestrator listening"');

  const health = createClient(Health, createGrpcTransport(`http://127.0.0.1:${listening.port}`, { tls: undefined }));
  assert.equal((await health.check({})).status, HealthCheckResponse_ServingStatus.SERVING);
  const ops = `http://127.0.0.1:${listening.httpPort}`;
  assert.equal((await fetch(`${ops}/healthz`)).status, 200);
  assert.equal((await fetch(`${ops}/readyz`)).status, 200);
  const metrics = await fetch(`${ops}/metrics`);
  assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(await metrics.text(), /# TYPE sagas_failed_total counter/);
  assert.equal((await fetch(`${ops}/nothing`)).status, 404);

  child.kill('SIGTERM');
  const { code } = await exited;
  assert.equal(code, 0);
});
