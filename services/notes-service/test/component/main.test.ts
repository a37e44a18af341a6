import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import { NotesService } from '@notes/contracts/notes/v1';
import { createGrpcTransport } from '@notes/grpc';
import {
  collectEvents,
  createTestDatabase,
  exitOf,
  logLine,
  runMain,
  type TestDatabase,
  testKafkaBrokers,
} from '@notes/testkit';

const mainFile = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
let database: TestDatabase;

before(async () => {
  database = await createTestDatabase('notes_main');
});

after(async () => {
  await database?.drop();
});

test('a missing database setting stops it with one line on stderr and exit code 1', async () => {
  const { code, stderr } = await exitOf(runMain(mainFile, [], {}));
  assert.equal(code, 1);
  assert.match(stderr, /^notes-service: invalid setting database.*dsn/);
});

test('a missing Kafka setting stops it naming KAFKA_BROKERS', async () => {
  const { code, stderr } = await exitOf(runMain(mainFile, [], { NOTES_DB_DSN: database.url }));
  assert.equal(code, 1);
  assert.match(stderr, /^notes-service: invalid setting kafka\.brokers \(env KAFKA_BROKERS\): is required/);
});

test('an unknown command is refused with its usage', async () => {
  const { code, stderr } = await exitOf(runMain(mainFile, ['migrate', 'sideways'], { NOTES_DB_DSN: database.url }));
  assert.equal(code, 2);
  assert.match(stderr, /usage: node src\/main\.ts \[migrate up\|down\]/);
});

test('migrates, serves (publishing its events to KAFKA_BROKERS) until SIGTERM, then exits 0', async () => {
  const env = {
    NOTES_DB_DSN: database.url,
    KAFKA_BROKERS: testKafkaBrokers(),
    NOTES_GRPC_PORT: '0',
    GRPC_PLAINTEXT: 'true',
    NOTES_HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    // Out of the notes-service group on saga.commands, which the consumer's own test uses meanwhile.
    SAGA_CONSUMER: 'false',
  };
  assert.equal((await exitOf(runMain(mainFile, ['migrate', 'up'], env))).code, 0);

  // It does not migrate on start: the note it stores lands in the table `migrate up` created.
  const server = runMain(mainFile, [], { ...env, NOTES_MIGRATE_ON_START: 'false' });
  const exited = exitOf(server);
  try {
    const port = (await logLine<{ msg: string; port: number }>(server, 'notes-service listening'))?.port;
    assert.ok(port, 'it logged "notes-service listening" with its port');
    const transport = createGrpcTransport(`http://127.0.0.1:${port}`, { tls: undefined });
    assert.equal((await createClient(Health, transport).check({})).status, HealthCheckResponse_ServingStatus.SERVING);
    const { note } = await createClient(NotesService, transport).createNote({ ownerId: randomUUID(), title: 'hi' });
    assert.ok(note);
    assert.equal(note.version, 1n);
    const events = await collectEvents({
      brokers: testKafkaBrokers(),
      topic: topics.notesEvents,
      keep: (key) => key === note.id,
    });
    try {
      await events.waitFor((received) => received.length >= 1, 30_000);
      assert.equal(events.received[0]?.envelope.type, eventTypes.NoteCreated);
    } finally {
      await events.close();
    }
  } finally {
    server.kill('SIGTERM');
  }
  const { code, stderr } = await exited;
  assert.equal(code, 0, stderr);
});
