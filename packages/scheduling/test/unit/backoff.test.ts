import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../../src/backoff.ts';

test('the wait doubles after each failure and stops at maxMs', () => {
  const backoff = { initialMs: 100, maxMs: 5000 };
  const waits = [1, 2, 3, 4, 5, 6, 7, 8].map((failures) => backoffDelay(failures, backoff));
  assert.deepEqual(waits, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
});

test('a long run of failures stays at the cap, and an uncapped one stays finite', () => {
  assert.equal(backoffDelay(1000, { initialMs: 100, maxMs: 5000 }), 5000);
  assert.equal(backoffDelay(1000, { initialMs: 1, maxMs: Number.POSITIVE_INFINITY }), 2 ** 30);
});

test('no failure yet counts as the first', () => {
  assert.equal(backoffDelay(0, { initialMs: 100, maxMs: 5000 }), 100);
});

test('jitter spreads the wait by ± its fraction', () => {
  const backoff = { initialMs: 100, maxMs: Number.POSITIVE_INFINITY, jitter: 0.25 };
  assert.equal(
    backoffDelay(3, backoff, () => 0),
    300,
  );
  assert.equal(
    backoffDelay(3, backoff, () => 0.5),
    400,
  );
  assert.equal(
    backoffDelay(3, backoff, () => 1),
    500,
  );
});

test('jitter applies after the cap', () => {
  assert.equal(
    backoffDelay(10, { initialMs: 100, maxMs: 1000, jitter: 0.5 }, () => 1),
    1500,
  );
});

test('without jitter the wait never draws a random number', () => {
  const random = () => assert.fail('random was drawn');
  assert.equal(backoffDelay(2, { initialMs: 100, maxMs: 5000 }, random), 200);
});
