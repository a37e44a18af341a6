import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidPassword } from '../../src/domain/errors.ts';
import { checkNewPassword } from '../../src/domain/password.ts';

test('a password of 12 to 128 characters is accepted', () => {
  checkNewPassword('a'.repeat(12));
  checkNewPassword('a'.repeat(128));
});

test('a password of 11 or 129 characters is refused', () => {
  for (const password of ['a'.repeat(11), 'a'.repeat(129)]) {
    assert.throws(
      () => checkNewPassword(password),
      (error: unknown) => error instanceof InvalidPassword && error.code === 'INVALID_PASSWORD',
    );
  }
});

test('length counts code points: an emoji (two UTF-16 units) is one character', () => {
  const emoji = '🔑';
  assert.equal(emoji.length, 2);
  // 6 emoji are 12 UTF-16 units but only 6 characters.
  assert.throws(() => checkNewPassword(emoji.repeat(6)), InvalidPassword);
  checkNewPassword(emoji.repeat(12));
  // 128 emoji are 256 UTF-16 units and still allowed; 129 are not.
  checkNewPassword(emoji.repeat(128));
  assert.throws(() => checkNewPassword(emoji.repeat(129)), InvalidPassword);
});
