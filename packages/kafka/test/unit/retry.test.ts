import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, defaultRetryPolicy, retryPolicy, retrySchedule } from '../../src/retry-policy.ts';

test('the default policy waits 100, 200, 400 and 800 ms between its five attempts', () => {
  assert.deepEqual(retrySchedule(defaultRetryPolicy), [100, 200, 400, 800]);
});

test('the delay doubles after each failure and stops at maxDelayMs', () => {
  const policy = { attempts: 10, initialDelayMs: 100, maxDelayMs: 5000 };
  assert.deepEqual(retrySchedule(policy), [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  assert.equal(backoffDelay(1, policy), 100);
  assert.equal(backoffDelay(1000, policy), 5000);
});

test('one attempt means no retry and no wait', () => {
  assert.deepEqual(retrySchedule({ attempts: 1, initialDelayMs: 100, maxDelayMs: 5000 }), []);
});

test('overrides fill in the defaults; nonsense is refused', () => {
  assert.deepEqual(retryPolicy({ attempts: 3 }), { attempts: 3, initialDelayMs: 100, maxDelayMs: 5000 });
  assert.deepEqual(retryPolicy({ initialDelayMs: undefined }), defaultRetryPolicy);
  assert.throws(() => retryPolicy({ attempts: 0 }), /attempts/);
  assert.throws(() => retryPolicy({ attempts: 1.5 }), /attempts/);
  assert.throws(() => retryPolicy({ maxDelayMs: -1 }), /maxDelayMs/);
});
