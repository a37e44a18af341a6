import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createArgon2PasswordHasher } from '../../src/crypto/argon2-password-hasher.ts';

const hasher = createArgon2PasswordHasher({ memoryKiB: 19_456, iterations: 2, parallelism: 1 });

test('hashes with Argon2id and the configured cost, salted', async () => {
  const first = await hasher.hash('correct horse battery staple');
  const second = await hasher.hash('correct horse battery staple');
  assert.match(first, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.notEqual(first, second);
});

test('verifies the right password and refuses another', async () => {
  const passwordHash = await hasher.hash('correct horse battery staple');
  assert.equal(await hasher.verify(passwordHash, 'correct horse battery staple'), true);
  assert.equal(await hasher.verify(passwordHash, 'Correct horse battery staple'), false);
});

test('a hash made with other costs still verifies (the costs come from the hash)', async () => {
  const stronger = createArgon2PasswordHasher({ memoryKiB: 32_768, iterations: 3, parallelism: 1 });
  const passwordHash = await stronger.hash('correct horse battery staple');
  assert.equal(await hasher.verify(passwordHash, 'correct horse battery staple'), true);
});
