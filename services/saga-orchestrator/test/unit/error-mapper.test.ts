import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code } from '@connectrpc/connect';
import { SagaNotFound, SagaStateConflict } from '@notes/saga';
import { AccountsUnavailable, UserNotFound } from '../../src/domain/errors.ts';
import { mapSagaError } from '../../src/grpc/error-mapper.ts';

test("the orchestrator's and the saga engine's errors map to their gRPC status, keeping their message", () => {
  const cases = [
    [new UserNotFound('u-1'), Code.NotFound],
    [new AccountsUnavailable('deadline exceeded'), Code.Unavailable],
    [new SagaNotFound('s-1'), Code.NotFound],
    [new SagaStateConflict({ id: 's-1', state: 'COMPLETED' }, 'retry'), Code.FailedPrecondition],
  ] as const;
  for (const [error, code] of cases) {
    const mapped = mapSagaError(error);
    assert.equal(mapped?.code, code, error.code);
    assert.equal(mapped?.rawMessage, error.message);
  }
});

test('any other error is left to the interceptor (INTERNAL, no detail)', () => {
  assert.equal(mapSagaError(new Error('connection refused to db.internal:5432')), undefined);
});
