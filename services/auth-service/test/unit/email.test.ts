import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeEmail } from '../../src/domain/email.ts';
import { InvalidEmail } from '../../src/domain/errors.ts';

test('an email is stored lower-cased', () => {
  assert.equal(normalizeEmail('Ann.Smith@Example.COM'), 'ann.smith@example.com');
});

test('normalising does not trim: what the edge accepted is what is stored', () => {
  assert.equal(normalizeEmail(' A@b.io'), ' a@b.io');
});

test('an empty email is refused', () => {
  assert.throws(
    () => normalizeEmail(''),
    (error: unknown) => {
      assert.ok(error instanceof InvalidEmail);
      assert.equal(error.code, 'INVALID_EMAIL');
      return true;
    },
  );
});

test('an email of 254 characters is accepted, 255 is refused', () => {
  const ofLength = (length: number) => `${'a'.repeat(length - '@example.com'.length)}@example.com`;
  assert.equal(normalizeEmail(ofLength(254)).length, 254);
  assert.throws(() => normalizeEmail(ofLength(255)), InvalidEmail);
});

test('an email with a NUL character is refused (PostgreSQL text cannot hold it)', () => {
  assert.throws(() => normalizeEmail('a\0@example.com'), /NUL/);
});
