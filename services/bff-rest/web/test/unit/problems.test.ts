import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProblemError } from '@notes/api-client';
import { describeFailure } from '../../src/problems.ts';

const problem = (status: number, body: object, headers: Record<string, string> = {}) =>
  new ProblemError(new Response(null, { status, headers }), { type: 'about:blank', title: 'x', status, ...body });

describe('describeFailure', () => {
  it('puts field errors by field, to be shown next to them', () => {
    const failure = describeFailure(
      problem(400, { detail: 'bad', errors: [{ field: 'password', message: 'must be at least 12 characters' }] }),
    );
    assert.deepEqual(failure.fields, { password: 'must be at least 12 characters' });
    assert.equal(failure.retryable, false);
  });

  it('says how long to wait after a 429, from its Retry-After', () => {
    assert.match(describeFailure(problem(429, {}, { 'retry-after': '42' })).message, /in 42 seconds/);
    assert.match(describeFailure(problem(429, {}, { 'retry-after': '900' })).message, /in 15 minutes/);
    assert.match(describeFailure(problem(429, {})).message, /later/);
  });

  it('offers a retry for 503, 504 and a lost connection, not for other problems', () => {
    assert.equal(describeFailure(problem(503, {})).retryable, true);
    assert.equal(describeFailure(problem(504, {})).retryable, true);
    assert.equal(describeFailure(new TypeError('fetch failed')).retryable, true);
    const conflict = describeFailure(problem(409, { detail: 'The email is already registered.' }));
    assert.deepEqual([conflict.message, conflict.retryable], ['The email is already registered.', false]);
  });
});
