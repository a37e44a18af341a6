// The platform's two sagas as the engine runs them: which commands go out, and where failures lead.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { sagaCommandTypes } from '@notes/contracts/names';
import { CreateWelcomeNoteSchema, DeleteUserSchema } from '@notes/contracts/saga/v1/messages';
import { applyDeadline, applyReply, defaultSagaSettings, type Saga, type StepReply, startSaga } from '@notes/saga';
import { deleteUserSaga, signUpSaga } from '../../src/domain/sagas.ts';
import { sagaDefinition } from '../../src/kafka/saga-definitions.ts';

const userId = '0190f5f4-7b1c-7a3e-8f00-3c5d2b1a9e77';
let ids = 0;
const context = (plan: typeof signUpSaga | typeof deleteUserSaga, ms = 0) => ({
  definition: sagaDefinition(plan),
  settings: defaultSagaSettings,
  now: new Date(Date.UTC(2026, 10, 23) + ms),
  newCommandId: () => `command-${++ids}`,
});
const reply = (saga: Saga, succeeded: boolean): StepReply => ({
  commandId: saga.currentCommandId ?? '',
  commandType: '',
  succeeded,
  reason: succeeded ? '' : 'refused',
});

test('SignUpSaga asks for the welcome note of its user, and deletes the user when there can be none', () => {
  const started = startSaga({ id: 's', userId, payload: {}, correlationId: 's' }, context(signUpSaga));
  assert.equal(started.command?.type, sagaCommandTypes.CreateWelcomeNote);
  assert.equal(fromBinary(CreateWelcomeNoteSchema, started.command?.payload ?? new Uint8Array()).userId, userId);

  const refused = applyReply(started.saga, reply(started.saga, false), context(signUpSaga));
  assert.equal(refused.saga.state, 'COMPENSATING');
  assert.equal(refused.command?.type, sagaCommandTypes.DeleteUser);
  assert.equal(fromBinary(DeleteUserSchema, refused.command?.payload ?? new Uint8Array()).userId, userId);
  assert.equal(applyReply(refused.saga, reply(refused.saga, true), context(signUpSaga)).saga.state, 'COMPENSATED');
});

test('DeleteUserSaga deletes the notes, then the account; it never compensates and FAILS for an operator', () => {
  const started = startSaga({ id: 'd', userId, payload: {}, correlationId: 'd' }, context(deleteUserSaga));
  assert.equal(started.command?.type, sagaCommandTypes.DeleteUserNotes);
  const second = applyReply(started.saga, reply(started.saga, true), context(deleteUserSaga));
  assert.equal(second.command?.type, sagaCommandTypes.DeleteUser);
  assert.equal(applyReply(second.saga, reply(second.saga, true), context(deleteUserSaga)).saga.state, 'COMPLETED');

  const refused = applyReply(second.saga, reply(second.saga, false), context(deleteUserSaga));
  assert.equal(refused.saga.state, 'FAILED');
  assert.equal(refused.saga.step, 'delete_account');

  let unanswered = started.saga;
  for (let attempt = 1; attempt <= defaultSagaSettings.maxAttempts; attempt += 1) {
    const due = (unanswered.deadlineAt?.getTime() ?? 0) - Date.UTC(2026, 10, 23);
    unanswered = applyDeadline(unanswered, context(deleteUserSaga, due)).saga;
  }
  assert.equal(unanswered.state, 'FAILED');
  assert.equal(unanswered.failureReason, 'delete_notes: no reply after 6 attempts');
});
