import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { UserCreatedSchema, UserDeletedSchema } from '@notes/contracts/common/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import { readOutboxRows, type StoredOutboxRow } from '@notes/outbox/testing';
import { ManualClock } from '@notes/testkit/fakes';
import { EmailTaken } from '../../src/domain/errors.ts';
import type { AuthUseCases } from '../../src/grpc/auth-service.ts';
import type { MigratedDatabase } from '../support/database.ts';
import { type UseCasesOnDatabase, useCasesOnDatabase } from '../support/use-cases.ts';

// The events a use case records are outbox rows written in its transaction (no relay runs here:
// nothing is published, the rows are read back as they were committed).

const password = 'correct horse battery staple';
const clock = new ManualClock(new Date('2026-11-24T08:30:00.250Z'));
const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let database: MigratedDatabase;
let useCases: AuthUseCases;
let outbox: UseCasesOnDatabase['outbox'];

before(async () => {
  ({ database, useCases, outbox } = await useCasesOnDatabase('auth_user_events', clock));
});

beforeEach(() => {
  outbox.afterCommits = 0;
});

after(async () => {
  await database.drop();
});

const uniqueEmail = (prefix: string) => `${prefix}-${randomUUID()}@example.com`;

const outboxRows = (aggregateId: string) => readOutboxRows(database.pool, { aggregateId });

/** The UserCreated rows whose payload names the email, whatever their aggregate. */
async function userCreatedRowsFor(email: string): Promise<StoredOutboxRow[]> {
  const rows = await readOutboxRows(database.pool, { type: eventTypes.UserCreated });
  return rows.filter((row) => fromBinary(UserCreatedSchema, row.payload).email === email);
}

test('sign-up writes one auth.UserCreated outbox row with the user, in its transaction', async () => {
  const email = uniqueEmail('ev');
  const user = await useCases.signUp({ email, password });

  const rows = await outboxRows(user.userId);
  assert.equal(rows.length, 1);
  const [row] = rows;
  assert.ok(row !== undefined);
  assert.equal(row.topic, topics.authEvents);
  assert.equal(row.type, eventTypes.UserCreated);
  assert.equal(row.aggregate_id, user.userId);
  assert.match(row.id, uuidV7);
  assert.notEqual(row.id, user.userId);
  assert.deepEqual(row.occurred_at, clock.now());
  assert.equal(row.correlation_id, null);
  assert.equal(row.sent_at, null);
  const payload = fromBinary(UserCreatedSchema, row.payload);
  assert.deepEqual({ userId: payload.userId, email: payload.email }, { userId: user.userId, email });
  assert.equal(outbox.afterCommits, 1, 'the outbox is woken once, after the commit');
});

test('a sign-up refused with EmailTaken writes no outbox row and wakes nobody', async () => {
  const email = uniqueEmail('taken');
  await useCases.signUp({ email, password });
  outbox.afterCommits = 0;
  const { rows: before } = await database.pool.query('SELECT count(*)::int AS n FROM outbox');

  await assert.rejects(useCases.signUp({ email: email.toUpperCase(), password }), EmailTaken);

  const { rows: afterwards } = await database.pool.query('SELECT count(*)::int AS n FROM outbox');
  assert.equal(afterwards[0].n, before[0].n);
  assert.equal((await userCreatedRowsFor(email)).length, 1, 'only the first sign-up’s event');
  assert.equal(outbox.afterCommits, 0);
});

test('two simultaneous sign-ups with one email: one account, one UserCreated', async () => {
  const email = uniqueEmail('race');
  const results = await Promise.allSettled([
    useCases.signUp({ email, password }),
    useCases.signUp({ email: email.toUpperCase(), password }),
  ]);
  const [winner] = results.filter((result) => result.status === 'fulfilled');
  assert.ok(winner !== undefined);
  const rows = await userCreatedRowsFor(email);
  assert.deepEqual(
    rows.map((row) => row.aggregate_id),
    [winner.value.userId],
  );
  assert.equal(outbox.afterCommits, 1);
});

test('delete-user writes one auth.UserDeleted after the UserCreated; deleting again writes nothing', async () => {
  const user = await useCases.signUp({ email: uniqueEmail('del'), password });
  clock.advanceSeconds(5);
  await useCases.deleteUser(user.userId);
  assert.equal(outbox.afterCommits, 2);

  const rows = await outboxRows(user.userId);
  assert.deepEqual(
    rows.map((row) => row.type),
    [eventTypes.UserCreated, eventTypes.UserDeleted],
  );
  const deleted = rows[1];
  assert.ok(deleted !== undefined);
  assert.equal(deleted.topic, topics.authEvents);
  assert.match(deleted.id, uuidV7);
  assert.deepEqual(deleted.occurred_at, clock.now());
  assert.equal(fromBinary(UserDeletedSchema, deleted.payload).userId, user.userId);

  await useCases.deleteUser(user.userId);
  assert.equal((await outboxRows(user.userId)).length, 2, 'no event for a no-op');
  assert.equal(outbox.afterCommits, 2, 'nothing to wake the outbox for');
});

test('deleting a user that never existed succeeds and records nothing', async () => {
  const userId = randomUUID();
  await useCases.deleteUser(userId);
  assert.deepEqual(await outboxRows(userId), []);
  assert.equal(outbox.afterCommits, 0);
});

test('two simultaneous deletes of one user: one UserDeleted', async () => {
  const user = await useCases.signUp({ email: uniqueEmail('del-race'), password });
  await Promise.all([useCases.deleteUser(user.userId), useCases.deleteUser(user.userId)]);
  const rows = await outboxRows(user.userId);
  assert.deepEqual(
    rows.map((row) => row.type),
    [eventTypes.UserCreated, eventTypes.UserDeleted],
  );
});
