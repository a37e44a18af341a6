import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code } from '@connectrpc/connect';
import {
  EmailTaken,
  InvalidCredentials,
  InvalidEmail,
  InvalidPassword,
  InvalidRefreshToken,
  TooManySignInAttempts,
  UserNotFound,
} from '../../src/domain/errors.ts';
import { mapAuthError } from '../../src/grpc/error-mapper.ts';

test('domain errors map to their gRPC status, keeping their message', () => {
  const cases = [
    [new EmailTaken(), Code.AlreadyExists],
    [new InvalidCredentials(), Code.Unauthenticated],
    [new InvalidRefreshToken(), Code.Unauthenticated],
    [new InvalidEmail('email must not be empty'), Code.InvalidArgument],
    [new InvalidPassword('too short'), Code.InvalidArgument],
    [new UserNotFound('0190f5f4-7b1c-7a3e-8f00-3c5d2b1a9e77'), Code.NotFound],
    [new TooManySignInAttempts(60), Code.ResourceExhausted],
  ] as const;
  for (const [error, code] of cases) {
    const mapped = mapAuthError(error);
    assert.equal(mapped?.code, code, error.code);
    assert.equal(mapped?.rawMessage, error.message);
  }
});

test('too many sign-in attempts says when to retry, in seconds, as retry-after metadata', () => {
  const mapped = mapAuthError(new TooManySignInAttempts(417));
  assert.equal(mapped?.metadata.get('retry-after'), '417');
  assert.equal(new TooManySignInAttempts(1).code, 'TOO_MANY_SIGN_IN_ATTEMPTS');
});

test('domain errors have stable codes', () => {
  assert.equal(new EmailTaken().code, 'EMAIL_TAKEN');
  assert.equal(new InvalidCredentials().code, 'INVALID_CREDENTIALS');
  assert.equal(new InvalidRefreshToken().code, 'INVALID_REFRESH_TOKEN');
  assert.equal(new UserNotFound('0190f5f4-7b1c-7a3e-8f00-3c5d2b1a9e77').code, 'USER_NOT_FOUND');
});

test('any other error is left to the interceptor (INTERNAL, no detail)', () => {
  assert.equal(mapAuthError(new Error('connection refused to db.internal:5432')), undefined);
});
