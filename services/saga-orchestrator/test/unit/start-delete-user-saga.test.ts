import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Accounts, SagaStarter } from '../../src/app/ports.ts';
import { createStartDeleteUserSaga } from '../../src/app/start-delete-user-saga.ts';
import { UserNotFound } from '../../src/domain/errors.ts';
import { deleteUserSaga } from '../../src/domain/sagas.ts';

const userId = '0190f5f4-7b1c-7a3e-8f00-3c5d2b1a9e77';

/** What happened, in order: accounts locked and sagas started. */
function recorder(knownUsers: string[]) {
  const calls: string[] = [];
  const accounts: Accounts = {
    async beginUserDeletion(id) {
      calls.push(`lock ${id}`);
      if (!knownUsers.includes(id)) throw new UserNotFound(id);
    },
  };
  const sagas: SagaStarter<string> = {
    async start(request) {
      calls.push(`start ${request.type} ${request.userId}`);
      return `saga of ${request.userId}`;
    },
  };
  return { calls, startDeleteUserSaga: createStartDeleteUserSaga({ accounts, sagas }) };
}

test('locks the account first, then starts the DeleteUserSaga and answers it', async () => {
  const { calls, startDeleteUserSaga } = recorder([userId]);
  assert.equal(await startDeleteUserSaga(userId), `saga of ${userId}`);
  assert.deepEqual(calls, [`lock ${userId}`, `start ${deleteUserSaga.type} ${userId}`]);
});

test('an unknown user gets no saga', async () => {
  const { calls, startDeleteUserSaga } = recorder([]);
  await assert.rejects(startDeleteUserSaga(userId), UserNotFound);
  assert.deepEqual(calls, [`lock ${userId}`]);
});
