// auth-service as a saga participant, whole and in-process: saga.DeleteUser commands published to
// the shared broker's saga.commands, the replies read back from saga.replies. Both topics are shared
// with tests running in parallel: every saga id here is new, and only its messages are kept.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type Client, createClient } from '@connectrpc/connect';
import { AuthService } from '@notes/contracts/auth/v1';
import { eventTypes, sagaCommandTypes, sagaReplyType, topics } from '@notes/contracts/names';
import { CreateWelcomeNoteSchema, DeleteUserSchema, StepReplySchema } from '@notes/contracts/saga/v1/messages';
import { createGrpcTransport } from '@notes/grpc';
import { createEventProducer, type Event, type EventProducer } from '@notes/kafka';
import { createPool, type Pool } from '@notes/postgres';
import { type EventCollector, type ReceivedEvent, sagaCommand, testFixture, testKafkaBrokers } from '@notes/testkit';
import { composeAuthService } from '../../src/compose.ts';
import { testConfig } from '../support/config.ts';

const password = 'correct horse battery staple';
/** How long a reply may take: the consumer joins its group and works through older commands first. */
const replyTimeoutMs = 60_000;
/** After the expected replies: time for a duplicate to show up, if there were one. */
const quietPeriodMs = 1_500;

const fixture = testFixture();
let pool: Pool;
let auth: Client<typeof AuthService>;
let producer: EventProducer;

before(async () => {
  const database = await fixture.database('auth_saga_commands');
  const config = testConfig(database.url, { 'saga.consumer': true }).config;
  const service = fixture.closeAfter(composeAuthService(config), (opened) => opened.stop());
  const { port } = await service.start();
  auth = createClient(AuthService, createGrpcTransport(`http://127.0.0.1:${port}`, { tls: undefined }));
  pool = fixture.closeAfter(
    createPool({ dsn: database.url, maxConnections: 2, applicationName: 'auth-saga-commands-test' }),
    (opened) => opened.end(),
  );
  producer = fixture.closeAfter(
    createEventProducer({ brokers: testKafkaBrokers(), clientId: 'auth-saga-commands-test' }),
    (opened) => opened.close(),
  );
});

async function signedUpUser(): Promise<string> {
  const { user } = await auth.signUp({ email: `saga-${randomUUID()}@example.com`, password });
  assert.ok(user !== undefined);
  return user.userId;
}

function deleteUserCommand(sagaId: string, userId: string): Event {
  return sagaCommand(
    sagaId,
    sagaCommandTypes.DeleteUser,
    toBinary(DeleteUserSchema, create(DeleteUserSchema, { userId })),
  );
}

/** saga.replies from the earliest offset, keeping the replies to this saga. */
function collectReplies(sagaId: string): Promise<EventCollector> {
  return fixture.collect(topics.sagaReplies, (key) => key === sagaId);
}

const commandIdsAnswered = (replies: ReceivedEvent[]) =>
  replies.map((reply) => fromBinary(StepReplySchema, reply.envelope.payload).commandId);

async function count(sql: string, values: unknown[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(sql, values);
  return rows[0]?.n ?? 0;
}

const usersWithId = (userId: string) => count('SELECT count(*)::int AS n FROM users WHERE id = $1', [userId]);
const userDeletedEvents = (userId: string) =>
  count(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND type = '${eventTypes.UserDeleted}'`, [
    userId,
  ]);

test('DeleteUser delivered three times: the account is deleted once, with one UserDeleted and one reply', async () => {
  const userId = await signedUpUser();
  const sagaId = randomUUID();
  const replies = await collectReplies(sagaId);
  const deleteUser = deleteUserCommand(sagaId, userId);

  await producer.publish(topics.sagaCommands, [deleteUser, deleteUser, deleteUser]);
  await replies.waitFor((received) => received.length >= 1, replyTimeoutMs);
  await sleep(quietPeriodMs);

  assert.equal(replies.received.length, 1, 'one reply, no duplicate');
  const [reply] = replies.received as [ReceivedEvent];
  assert.equal(reply.envelope.type, sagaReplyType);
  assert.equal(reply.envelope.aggregateId, sagaId);
  assert.equal(reply.envelope.correlationId, sagaId);
  assert.equal(reply.headers.get('correlation_id'), sagaId);
  assert.notEqual(reply.envelope.eventId, deleteUser.eventId, 'a reply has an id of its own');
  const answer = fromBinary(StepReplySchema, reply.envelope.payload);
  assert.deepEqual(
    {
      commandType: answer.commandType,
      commandId: answer.commandId,
      succeeded: answer.succeeded,
      reason: answer.reason,
    },
    { commandType: sagaCommandTypes.DeleteUser, commandId: deleteUser.eventId, succeeded: true, reason: '' },
  );
  assert.equal(await usersWithId(userId), 0);
  assert.equal(await userDeletedEvents(userId), 1);
  assert.equal(
    await count('SELECT count(*)::int AS n FROM processed_events WHERE consumer_group = $1 AND event_id = $2', [
      'auth-service',
      deleteUser.eventId,
    ]),
    1,
  );
});

test('DeleteUser sent again with a new id: no second effect, and a success reply to each send', async () => {
  const userId = await signedUpUser();
  const sagaId = randomUUID();
  const replies = await collectReplies(sagaId);
  const first = deleteUserCommand(sagaId, userId);
  const resent = deleteUserCommand(sagaId, userId);

  await producer.publish(topics.sagaCommands, [first]);
  await replies.waitFor((received) => received.length >= 1, replyTimeoutMs);
  await producer.publish(topics.sagaCommands, [resent]);
  await replies.waitFor((received) => received.length >= 2, replyTimeoutMs);
  await sleep(quietPeriodMs);

  assert.deepEqual(commandIdsAnswered(replies.received), [first.eventId, resent.eventId]);
  for (const reply of replies.received)
    assert.equal(fromBinary(StepReplySchema, reply.envelope.payload).succeeded, true);
  assert.equal(await usersWithId(userId), 0);
  assert.equal(await userDeletedEvents(userId), 1, 'the account was gone already: nothing to announce again');
});

test("another participant's command is acknowledged without effect or reply", async () => {
  const userId = await signedUpUser();
  const sagaId = randomUUID();
  const replies = await collectReplies(sagaId);
  const welcomeNote = sagaCommand(
    sagaId,
    sagaCommandTypes.CreateWelcomeNote,
    toBinary(CreateWelcomeNoteSchema, create(CreateWelcomeNoteSchema, { userId })),
  );
  // The same saga id puts both on one partition: once DeleteUser is answered, the other was handled.
  const deleteUser = deleteUserCommand(sagaId, userId);

  await producer.publish(topics.sagaCommands, [welcomeNote, deleteUser]);
  await replies.waitFor((received) => received.length >= 1, replyTimeoutMs);
  await sleep(quietPeriodMs);

  assert.deepEqual(commandIdsAnswered(replies.received), [deleteUser.eventId]);
  assert.equal(
    await count('SELECT count(*)::int AS n FROM processed_events WHERE event_id = $1', [welcomeNote.eventId]),
    0,
  );
});
