// The operations port of notes-service (/healthz, /readyz, /metrics) and its gRPC health, with its
// dependencies up, with Kafka unreachable, and with its database gone or out of reach; what the
// service says in its log and answers meanwhile.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, createClient } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { NotesService } from '@notes/contracts/notes/v1';
import { createGrpcTransport } from '@notes/grpc';
import { createLogger } from '@notes/logger';
import { createTestDatabase, type TestDatabase } from '@notes/testkit';
import { composeNotesService, type NotesServiceInstance } from '../../src/compose.ts';
import { testNotesConfig } from '../support/config.ts';
import { rejection } from '../support/rejection.ts';

const databases: TestDatabase[] = [];
const services: NotesServiceInstance[] = [];
after(async () => {
  for (const service of services) await service.stop();
  for (const database of databases) await database.drop();
});

/**
 * The service in-process on free ports, over a fresh database; `settings` as testNotesConfig takes
 * them. `logLines` has what it logs at warn and above, parsed.
 */
async function startService(settings: Record<string, unknown> = {}) {
  const database = await createTestDatabase('notes_operations');
  databases.push(database);
  const logLines: { msg: string; dependency?: string }[] = [];
  const service = composeNotesService(testNotesConfig(database.url, settings), {
    logger: createLogger({
      service: 'notes-service',
      level: 'warn',
      destination: { write: (line: string) => void logLines.push(JSON.parse(line)) },
    }),
  });
  services.push(service);
  const { port, httpPort } = await service.start();
  const transport = createGrpcTransport(`http://127.0.0.1:${port}`, { tls: undefined });
  const health = createClient(Health, transport);
  const notes = createClient(NotesService, transport);
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${httpPort}${path}`);
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };
  /** Resolves once the service has logged that the dependency does not answer (it checks every 5 s). */
  const warnedOf = async (dependency: string) => {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(100)) {
      if (logLines.some((line) => line.dependency === dependency && /does not answer/.test(line.msg))) return;
    }
    assert.fail(`no warning that ${dependency} does not answer: ${JSON.stringify(logLines)}`);
  };
  return { database, health, notes, get, warnedOf };
}

test('with its database and Kafka answering: alive, ready, SERVING, and /metrics has its series', async () => {
  const { health, get } = await startService();
  assert.equal((await get('/healthz')).status, 200);
  const ready = await get('/readyz');
  assert.equal(ready.status, 200);
  assert.deepEqual(JSON.parse(ready.text), { status: 'ready' });
  assert.equal((await health.check({})).status, HealthCheckResponse_ServingStatus.SERVING);
  const metrics = await get('/metrics');
  assert.equal(metrics.status, 200);
  for (const family of ['grpc_server_handled_total', 'outbox_unsent_events', 'kafka_messages_produced_total']) {
    assert.match(metrics.text, new RegExp(`^# TYPE ${family} `, 'm'));
  }
  // The health check just made is counted.
  assert.match(
    metrics.text,
    /^grpc_server_handled_total\{grpc_service="grpc\.health\.v1\.Health",grpc_method="Check",grpc_code="OK"\} [1-9]/m,
  );
});

test('with Kafka unreachable, /readyz stays 200 naming kafka as degraded; RPCs still serve (events wait in the outbox)', async () => {
  // Port 1 refuses connections: no broker there.
  const { health, get, warnedOf } = await startService({ 'kafka.brokers': '127.0.0.1:1' });
  const ready = await get('/readyz');
  assert.equal(ready.status, 200);
  assert.equal(ready.type, 'application/json');
  assert.deepEqual(JSON.parse(ready.text), { status: 'ready', degraded: ['kafka'] });
  assert.equal((await get('/healthz')).status, 200);
  assert.equal((await health.check({})).status, HealthCheckResponse_ServingStatus.SERVING);
  // Said in the log with no request to /readyz needed, and with no event to publish.
  await warnedOf('kafka');
});

test('with its database out of reach, a call is UNAVAILABLE (a 503 at the BFF), not INTERNAL, and the log says why', async () => {
  const { notes, warnedOf } = await startService({
    'database.dsn': 'postgres://notes@127.0.0.1:1/notes',
    'database.migrateOnStart': false,
  });
  const refused = await rejection(notes.getNote({ ownerId: randomUUID(), noteId: randomUUID() }));
  assert.equal(refused.code, Code.Unavailable, refused.message);
  await warnedOf('database');
});

test('with its database gone, /readyz is 503 naming the database and the gRPC health is NOT_SERVING', async () => {
  const { database, health, get } = await startService();
  assert.equal((await get('/readyz')).status, 200);
  await database.drop();
  const ready = await get('/readyz');
  assert.equal(ready.status, 503);
  assert.deepEqual(JSON.parse(ready.text), { status: 'not ready', failing: ['database'] });
  assert.equal((await health.check({})).status, HealthCheckResponse_ServingStatus.NOT_SERVING);
  assert.equal((await get('/healthz')).status, 200, 'still alive: a restart would not bring the database back');
});
