import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntil } from '../../src/readiness.ts';

test('waiting stops at once, with the reason, when readiness has become hopeless', { timeout: 5_000 }, async () => {
  let checks = 0;
  const ended = () => (checks >= 2 ? 'it exited (code 1)' : undefined);
  await assert.rejects(
    waitUntil(
      'notes',
      async () => {
        checks++;
        return false;
      },
      60_000,
      ended,
    ),
    { message: 'notes will not be ready: it exited (code 1)' },
  );
  assert.equal(checks, 2);
});

test('without a reason to give up, waiting ends when the check passes', async () => {
  let checks = 0;
  await waitUntil('notes', async () => ++checks === 3, 60_000);
  assert.equal(checks, 3);
});
