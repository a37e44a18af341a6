import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDatabaseUnavailable } from '../../src/index.ts';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

test('connection exceptions, too many connections and a server shutting down or starting are unavailable', () => {
  for (const code of [
    '08006',
    '08001',
    '53300',
    '57P01',
    '57P02',
    '57P03',
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
  ]) {
    assert.equal(isDatabaseUnavailable(withCode(code)), true, code);
  }
  for (const message of [
    'timeout exceeded when trying to connect',
    'Connection terminated due to connection timeout',
    'Connection terminated unexpectedly',
  ]) {
    assert.equal(isDatabaseUnavailable(new Error(message)), true, message);
  }
});

test('errors of the statement or the code are not', () => {
  for (const code of ['23505', '40001', '42P01', '57014', '22P02']) {
    assert.equal(isDatabaseUnavailable(withCode(code)), false, code);
  }
  assert.equal(isDatabaseUnavailable(new TypeError('undefined is not a function')), false);
  assert.equal(isDatabaseUnavailable('timeout exceeded when trying to connect'), false);
});
