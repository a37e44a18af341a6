import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromBinary } from '@bufbuild/protobuf';
import { type Client, Code, ConnectError, createClient } from '@connectrpc/connect';
import { AuthService } from '@notes/contracts/auth/v1';
import { UserCreatedSchema, UserDeletedSchema } from '@notes/contracts/common/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import { createGrpcTransport } from '@notes/grpc';
import { createPool, type Pool } from '@notes/postgres';
import { createTestDatabase, type EventCollector, type ReceivedEvent, testFixture } from '@notes/testkit';
import { composeAuthService } from '../../src/compose.ts';
import { testConfig } from '../support/config.ts';

// The whole service with its in-process outbox relay, publishing to the test broker's auth.events
// (shared with the tests running in parallel: every check filters on this test's own users).

const password = 'correct horse battery staple';
/** How long a published event may take to be consumed (a fresh consumer group joins first). */
const arrivalTimeoutMs = 30_000;
/** After the expected messages: time for a duplicate to show up, if there were one. */
const quietPeriodMs = 1_500;

const fixture = testFixture();
let pool: Pool;
let auth: Client<typeof AuthService>;

before(async () => {
  const database = await fixture.database('auth_events');
  const service = fixture.closeAfter(composeAuthService(testConfig(database.url).config), (opened) => opened.stop());
  const { port } = await service.start();
  auth = createClient(AuthService, createGrpcTransport(`http://127.0.0.1:${port}`, { tls: undefined }));
  pool = fixture.closeAfter(
    createPool({ dsn: database.url, maxConnections: 2, applicationName: 'auth-events-test' }),
    (opened) => opened.end(),
  );
});

const uniqueEmail = (prefix: string) => `${prefix}-${randomUUID()}@example.com`;

/** Every message on auth.events from the earliest offset, in a consumer group of its own; closed after the file. */
function collectAuthEvents(): Promise<EventCollector> {
  return fixture.collect(topics.authEvents, () => true);
}

const ofUser = (received: ReceivedEvent[], userId: string, type: string) =>
  received.filter((event) => event.key === userId && event.envelope.type === type);

/** The auth.UserCreated messages whose payload names the email, whatever their key. */
const createdFor = (received: ReceivedEvent[], email: string) =>
  received.filter(
    (event) =>
      event.envelope.type === eventTypes.UserCreated &&
      fromBinary(UserCreatedSchema, event.envelope.payload).email === email,
  );

async function signUp(email: string): Promise<string> {
  const { user } = await auth.signUp({ email, password });
  assert.ok(user !== undefined);
  return user.userId;
}

/** Waits (bounded) until the relay has published every outbox row committed so far. */
async function outboxDrained(): Promise<void> {
  const deadline = Date.now() + arrivalTimeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL');
    if (rows[0]?.n === 0) return;
    if (Date.now() > deadline) assert.fail(`${rows[0]?.n} outbox rows still unsent after ${arrivalTimeoutMs} ms`);
    await sleep(50);
  }
}

test('sign-up publishes exactly one auth.UserCreated on auth.events, keyed by the user id', async () => {
  const email = uniqueEmail('created');
  const startedAt = Date.now();
  const userId = await signUp(email);
  const collector = await collectAuthEvents();

  await collector.waitFor((received) => ofUser(received, userId, eventTypes.UserCreated).length >= 1, arrivalTimeoutMs);
  await sleep(quietPeriodMs);

  const messages = collector.received.filter((event) => event.key === userId);
  assert.equal(messages.length, 1, 'one message for the user, no duplicate');
  const [message] = messages;
  assert.ok(message !== undefined);
  const { envelope, headers } = message;
  assert.equal(envelope.type, eventTypes.UserCreated);
  assert.equal(envelope.aggregateId, userId);
  assert.match(envelope.eventId, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(envelope.correlationId, '');
  const occurredAt = Number(envelope.occurredAt);
  assert.ok(occurredAt >= startedAt && occurredAt <= Date.now(), 'occurred during the sign-up');
  assert.equal(headers.get('event_id'), envelope.eventId);
  assert.equal(headers.get('type'), eventTypes.UserCreated);
  assert.equal(headers.has('correlation_id'), false);
  const payload = fromBinary(UserCreatedSchema, envelope.payload);
  assert.deepEqual({ userId: payload.userId, email: payload.email }, { userId, email });
  // The relay marked the row sent.
  const { rows } = await pool.query('SELECT sent_at FROM outbox WHERE id = $1', [envelope.eventId]);
  assert.notEqual(rows[0]?.sent_at ?? null, null);
});

test('a sign-up refused as ALREADY_EXISTS publishes nothing', async () => {
  const email = uniqueEmail('taken');
  const userId = await signUp(email);
  const { rows: before } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');

  const refused = await auth.signUp({ email: email.toUpperCase(), password }).then(
    () => assert.fail('the second sign-up succeeded'),
    (error: unknown) => ConnectError.from(error),
  );
  assert.equal(refused.code, Code.AlreadyExists);

  const { rows: afterwards } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
  assert.equal(afterwards[0]?.n, before[0]?.n, 'no outbox row for the refused attempt');
  // Everything committed has gone out; the first sign-up's message arrives, and no other for the email.
  await outboxDrained();
  const collector = await collectAuthEvents();
  await collector.waitFor((received) => createdFor(received, email).length >= 1, arrivalTimeoutMs);
  await sleep(quietPeriodMs);
  assert.deepEqual(
    createdFor(collector.received, email).map((event) => event.key),
    [userId],
  );
});

test('delete-user publishes one auth.UserDeleted after the UserCreated; deleting again publishes nothing', async () => {
  const userId = await signUp(uniqueEmail('deleted'));
  await auth.deleteUser({ userId });
  await auth.deleteUser({ userId });
  const collector = await collectAuthEvents();

  await collector.waitFor((received) => ofUser(received, userId, eventTypes.UserDeleted).length >= 1, arrivalTimeoutMs);
  await outboxDrained();
  await sleep(quietPeriodMs);

  const messages = collector.received.filter((event) => event.key === userId);
  assert.deepEqual(
    messages.map((event) => event.envelope.type),
    [eventTypes.UserCreated, eventTypes.UserDeleted],
    'in commit order, one UserDeleted',
  );
  const deleted = messages[1];
  assert.ok(deleted !== undefined);
  assert.equal(deleted.envelope.aggregateId, userId);
  assert.equal(deleted.headers.get('event_id'), deleted.envelope.eventId);
  assert.equal(deleted.headers.get('type'), eventTypes.UserDeleted);
  assert.equal(fromBinary(UserDeletedSchema, deleted.envelope.payload).userId, userId);
});

test('with outbox.relay off the service writes its events but leaves publishing to stand-alone relays', async () => {
  const ownDatabase = await createTestDatabase('auth_events_norelay');
  const quiet = composeAuthService(testConfig(ownDatabase.url, { 'outbox.relay': false }).config);
  const ownPool = createPool({ dsn: ownDatabase.url, maxConnections: 1, applicationName: 'auth-events-test' });
  try {
    const { port } = await quiet.start();
    const client = createClient(AuthService, createGrpcTransport(`http://127.0.0.1:${port}`, { tls: undefined }));
    const { user } = await client.signUp({ email: uniqueEmail('norelay'), password });
    assert.ok(user !== undefined);
    // Longer than an in-process relay would take (its fallback poll is 1 s; a nudge, milliseconds).
    await sleep(quietPeriodMs);
    const { rows } = await ownPool.query<{ type: string; sent_at: Date | null }>(
      'SELECT type, sent_at FROM outbox WHERE aggregate_id = $1',
      [user.userId],
    );
    assert.deepEqual(rows, [{ type: eventTypes.UserCreated, sent_at: null }]);
  } finally {
    await quiet.stop();
    await ownPool.end();
    await ownDatabase.drop();
  }
});
