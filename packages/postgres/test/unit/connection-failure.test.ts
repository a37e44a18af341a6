import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isConnectionFailure } from '../../src/connection-failure.ts';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

test('a server out of reach, restarting or out of connections is a connection failure', () => {
  for (const error of [
    new Error('timeout exceeded when trying to connect'),
    new Error('Connection terminated due to connection timeout'),
    new Error('Connection terminated unexpectedly'),
    withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
    withCode('ECONNRESET'),
    withCode('ENOTFOUND'),
    withCode('08006', 'connection failure'),
    withCode('08001'),
    withCode('57P01', 'terminating connection due to administrator command'),
    withCode('57P03', 'the database system is starting up'),
    withCode('53300', 'sorry, too many clients already'),
  ]) {
    assert.equal(isConnectionFailure(error), true, error.message);
  }
});

test('a statement the server refused, or anything else, is not', () => {
  for (const error of [
    withCode('23505', 'duplicate key value violates unique constraint'),
    withCode('57014', 'canceling statement due to statement timeout'),
    withCode('42P01', 'relation "notes" does not exist'),
    new Error('boom'),
    'timeout exceeded when trying to connect',
    undefined,
  ]) {
    assert.equal(isConnectionFailure(error), false, String(error));
  }
});
