// StartDeleteUserSaga and the operator API over gRPC: auth-service is a fake served on a free
// port, the participants answer on saga.replies. Each test has users of its own.

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

test('StartDeleteUserSaga locks the account at auth-service, then deletes the notes and the account', {
  timeout,
}, async () => {
  const userId = harness.knownUser();
  const { saga } = await harness.sagas.startDeleteUserSaga({ userId });
  assert.ok(saga);
  assert.deepEqual(harness.deletionsBegun, [userId], 'BeginUserDeletion came first, synchronously');
  assert.equal(saga.type, 'DeleteUserSaga');
  assert.equal(saga.state, 'RUNNING');
  assert.equal(saga.step, 'delete_notes');

  const done = await harness.sagaIn(saga.sagaId, 'COMPLETED');
  assert.deepEqual(
    [...new Set(harness.commandsOf(userId).map((command) => command.type))],
    [sagaCommandTypes.DeleteUserNotes, sagaCommandTypes.DeleteUser],
    'notes first, then the account',
  );
  assert.equal(done.history.at(-1)?.event, 'saga_completed');
});

test('a second call while the saga runs returns the running saga', { timeout }, async () => {
  const userId = harness.knownUser();
  harness.behave(userId, sagaCommandTypes.DeleteUserNotes, 'ignore');
  const { saga: first } = await harness.sagas.startDeleteUserSaga({ userId });
  const { saga: second } = await harness.sagas.startDeleteUserSaga({ userId });
  assert.equal(second?.sagaId, first?.sagaId);
  assert.deepEqual(await harness.sagaIdsOf(userId, 'DeleteUserSaga'), [first?.sagaId]);

  // The participant recovers before the last attempt: the re-sent command's reply counts.
  harness.behave(userId, sagaCommandTypes.DeleteUserNotes, 'succeed');
  await harness.sagaIn(first?.sagaId ?? '', 'COMPLETED');
});

test('an unknown user is NOT_FOUND and gets no saga', { timeout }, async () => {
  const userId = randomUUID();
  assert.equal(await statusOf(harness.sagas.startDeleteUserSaga({ userId })), Code.NotFound);
  assert.deepEqual(await harness.sagaIdsOf(userId, 'DeleteUserSaga'), []);
  assert.equal(await statusOf(harness.sagas.startDeleteUserSaga({ userId: 'not-a-uuid' })), Code.InvalidArgument);
});

test('a refused step FAILS the saga (nothing is undone); a retry resumes it at that step', { timeout }, async () => {
  const userId = harness.knownUser();
  harness.behave(userId, sagaCommandTypes.DeleteUser, 'refuse');
  const { saga } = await harness.sagas.startDeleteUserSaga({ userId });
  const sagaId = saga?.sagaId ?? '';
  const failed = await harness.sagaIn(sagaId, 'FAILED');
  assert.equal(failed.step, 'delete_account');
  assert.equal(failed.failureReason, 'delete_account: refused by the fake');
  assert.ok(!harness.commandsOf(userId).some((command) => command.type === sagaCommandTypes.CreateWelcomeNote));

  // While it is FAILED, a new request returns it rather than starting another.
  const { saga: again } = await harness.sagas.startDeleteUserSaga({ userId });
  assert.equal(again?.sagaId, sagaId);

  harness.behave(userId, sagaCommandTypes.DeleteUser, 'succeed');
  const { saga: retried } = await harness.sagas.retrySaga({ sagaId });
  assert.equal(retried?.state, 'RUNNING');
  assert.equal(retried?.step, 'delete_account');
  assert.equal(retried?.attempts, 1);
  const done = await harness.sagaIn(sagaId, 'COMPLETED');
  assert.ok(done.history.some((entry) => entry.event === 'retried'));
  const deleteNotes = harness.commandsOf(userId).filter((command) => command.type === sagaCommandTypes.DeleteUserNotes);
  assert.equal(new Set(deleteNotes.map((command) => command.commandId)).size, 1, 'the done step is not run again');

  // Once it completed, the user may be deleted again (e.g. after signing up anew).
  const { saga: next } = await harness.sagas.startDeleteUserSaga({ userId });
  assert.notEqual(next?.sagaId, sagaId);
});

test('GetSaga, ListSagas and the operator rules', { timeout }, async () => {
  const userId = harness.knownUser();
  const { saga } = await harness.sagas.startDeleteUserSaga({ userId });
  const sagaId = saga?.sagaId ?? '';
  await harness.sagaIn(sagaId, 'COMPLETED');

  const { saga: got } = await harness.sagas.getSaga({ sagaId });
  assert.equal(got?.userId, userId);
  assert.ok(got?.createdAt && got.updatedAt);
  assert.deepEqual(
    got?.history.filter((entry) => entry.event !== 'stale_reply').map((entry) => [entry.step, entry.event])[0],
    ['delete_notes', 'command_sent'],
  );
  assert.equal(await statusOf(harness.sagas.getSaga({ sagaId: randomUUID() })), Code.NotFound);
  assert.equal(await statusOf(harness.sagas.getSaga({ sagaId: 'nope' })), Code.InvalidArgument);

  const { sagas: completed } = await harness.sagas.listSagas({
    state: 'COMPLETED',
    type: 'DeleteUserSaga',
    limit: 500,
  });
  assert.ok(completed.some((listed) => listed.sagaId === sagaId));
  assert.ok(completed.every((listed) => listed.state === 'COMPLETED' && listed.type === 'DeleteUserSaga'));
  assert.ok(
    completed.every((listed) => listed.history.length === 0),
    'listed without history',
  );
  const { sagas: running } = await harness.sagas.listSagas({ state: 'RUNNING', type: 'DeleteUserSaga' });
  assert.ok(!running.some((listed) => listed.sagaId === sagaId));
  assert.equal(await statusOf(harness.sagas.listSagas({ state: 'DONE' })), Code.InvalidArgument);

  assert.equal(await statusOf(harness.sagas.retrySaga({ sagaId })), Code.FailedPrecondition);
  assert.equal(await statusOf(harness.sagas.cancelSaga({ sagaId })), Code.FailedPrecondition);
  assert.equal(await statusOf(harness.sagas.cancelSaga({ sagaId: randomUUID() })), Code.NotFound);
});
