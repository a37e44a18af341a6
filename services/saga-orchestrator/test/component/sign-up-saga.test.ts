// SignUpSaga end to end through Kafka: auth.UserCreated in, commands out on saga.commands, fake
// participants' replies back on saga.replies. Each test has users of its own.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, test } from 'node:test';
import { Code } from '@connectrpc/connect';
import { sagaCommandTypes } from '@notes/contracts/names';
import { testFixture } from '@notes/testkit';
import { type Harness, startHarness, statusOf } from './harness.ts';

const timeout = 60_000;
const fixture = testFixture();
let harness: Harness;

before(async () => {
  harness = fixture.closeAfter(await startHarness(), (opened) => opened.stop());
});

test('auth.UserCreated starts a SignUpSaga that COMPLETES once the notes participant created the welcome note', {
  timeout,
}, async () => {
  const userId = randomUUID();
  await harness.publishUserCreated(userId);
  const sagaId = await harness.sagaOf(userId, 'SignUpSaga');
  const saga = await harness.sagaIn(sagaId, 'COMPLETED');

  assert.equal(saga.userId, userId);
  assert.equal(saga.step, '');
  assert.equal(saga.failureReason, '');
  const commands = harness.commandsOf(userId);
  assert.ok(commands.length >= 1);
  assert.ok(
    commands.every((command) => command.type === sagaCommandTypes.CreateWelcomeNote && command.sagaId === sagaId),
  );
  // ['command_sent', 'succeeded', 'saga_completed'], unless under load an attempt timed out and was re-sent first.
  const events = saga.history.map((entry) => entry.event);
  assert.equal(events[0], 'command_sent');
  assert.deepEqual(events.slice(-2), ['succeeded', 'saga_completed']);
});

test('a refused welcome note sends DeleteUser and the saga is COMPENSATED', { timeout }, async () => {
  const userId = randomUUID();
  harness.behave(userId, sagaCommandTypes.CreateWelcomeNote, 'refuse');
  await harness.publishUserCreated(userId);
  const saga = await harness.sagaIn(await harness.sagaOf(userId, 'SignUpSaga'), 'COMPENSATED');

  assert.equal(saga.failureReason, 'create_welcome_note: refused by the fake');
  assert.deepEqual(
    harness.commandsOf(userId).map((command) => command.type),
    [sagaCommandTypes.CreateWelcomeNote, sagaCommandTypes.DeleteUser],
  );
  assert.deepEqual(
    saga.history.map((entry) => entry.event),
    ['command_sent', 'failed', 'compensation_sent', 'compensated', 'saga_compensated'],
  );
});

test('a participant that never answers gets the command again under new ids, then the saga compensates', {
  timeout,
}, async () => {
  const userId = randomUUID();
  harness.behave(userId, sagaCommandTypes.CreateWelcomeNote, 'ignore');
  await harness.publishUserCreated(userId);
  const saga = await harness.sagaIn(await harness.sagaOf(userId, 'SignUpSaga'), 'COMPENSATED');

  const commands = harness.commandsOf(userId);
  const attempts = commands.filter((command) => command.type === sagaCommandTypes.CreateWelcomeNote);
  assert.equal(attempts.length, 3, 'maxAttempts sends');
  assert.equal(new Set(attempts.map((command) => command.commandId)).size, 3, 'each with a new command id');
  assert.equal(commands.at(-1)?.type, sagaCommandTypes.DeleteUser);
  assert.equal(saga.failureReason, 'create_welcome_note: no reply after 3 attempts');
  assert.equal(saga.history.filter((entry) => entry.event === 'timed_out').length, 3);
});

test('a compensation that keeps failing leaves the saga FAILED with its reason, and counts it', {
  timeout,
}, async () => {
  const failedBefore = await harness.metric('sagas_failed_total', 'type="SignUpSaga"');
  const userId = randomUUID();
  harness.behave(userId, sagaCommandTypes.CreateWelcomeNote, 'refuse');
  harness.behave(userId, sagaCommandTypes.DeleteUser, 'refuse');
  await harness.publishUserCreated(userId);
  const sagaId = await harness.sagaOf(userId, 'SignUpSaga');
  const saga = await harness.sagaIn(sagaId, 'FAILED');

  assert.equal(saga.step, 'create_welcome_note');
  assert.equal(saga.failureReason, 'compensation of create_welcome_note: refused by the fake');
  assert.equal(harness.commandsOf(userId).filter((command) => command.type === sagaCommandTypes.DeleteUser).length, 3);
  assert.equal(await harness.metric('sagas_failed_total', 'type="SignUpSaga"'), failedBefore + 1);
  assert.ok((await harness.metric('saga_transitions_total', 'type="SignUpSaga",state="FAILED"')) >= 1);

  // The operator retries once auth-service is fixed: the compensation resumes and ends the saga.
  harness.behave(userId, sagaCommandTypes.DeleteUser, 'succeed');
  const { saga: retried } = await harness.sagas.retrySaga({ sagaId });
  assert.equal(retried?.state, 'COMPENSATING');
  assert.equal((await harness.sagaIn(sagaId, 'COMPENSATED')).history.at(-1)?.event, 'saga_compensated');
});

test('the same UserCreated delivered three times, and once more under another event id, makes one saga', {
  timeout,
}, async () => {
  const userId = randomUUID();
  const eventId = await harness.publishUserCreated(userId);
  await harness.publishUserCreated(userId, eventId);
  await harness.publishUserCreated(userId, eventId);
  await harness.publishUserCreated(userId);
  const sagaId = await harness.sagaOf(userId, 'SignUpSaga');
  await harness.sagaIn(sagaId, 'COMPLETED');
  // A marker published after the copies: once its saga exists, the copies have been consumed.
  const marker = randomUUID();
  await harness.publishUserCreated(marker);
  await harness.sagaOf(marker, 'SignUpSaga');

  assert.deepEqual(await harness.sagaIdsOf(userId, 'SignUpSaga'), [sagaId]);
});

test('an operator cancels a RUNNING SignUpSaga (it compensates) and cannot retry or cancel it again', {
  timeout,
}, async () => {
  const userId = randomUUID();
  harness.behave(userId, sagaCommandTypes.CreateWelcomeNote, 'ignore');
  await harness.publishUserCreated(userId);
  const sagaId = await harness.sagaOf(userId, 'SignUpSaga');

  assert.equal(await statusOf(harness.sagas.retrySaga({ sagaId })), Code.FailedPrecondition);
  const { saga } = await harness.sagas.cancelSaga({ sagaId });
  assert.equal(saga?.state, 'COMPENSATING');
  assert.equal(saga?.failureReason, 'cancelled by an operator');
  await harness.sagaIn(sagaId, 'COMPENSATED');
  assert.equal(await statusOf(harness.sagas.cancelSaga({ sagaId })), Code.FailedPrecondition);
  assert.equal(await statusOf(harness.sagas.retrySaga({ sagaId })), Code.FailedPrecondition);
});
