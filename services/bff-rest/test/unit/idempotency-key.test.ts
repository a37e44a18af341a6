import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isIdempotencyKey } from '../../src/http/idempotency-key.ts';

test('an idempotency key is 1 to 255 visible ASCII characters', () => {
  for (const key of ['a', '0190f5f4-7b1c-7a3e-8f00-000000000a11', '!~"{}', 'x'.repeat(255)]) {
    assert.equal(isIdempotencyKey(key), true, key);
  }
  for (const key of ['', ' ', 'two words', 'tab\t', 'x'.repeat(256), 'clé', 'ключ', 'a\u007f', 'line\n']) {
    assert.equal(isIdempotencyKey(key), false, JSON.stringify(key));
  }
});
