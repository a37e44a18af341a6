import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ManualClock } from '@notes/testkit/fakes';
import { createAuthUseCases } from '../../src/compose.ts';
import { createUsersRepository } from '../../src/db/users-repository.ts';
import { EmailTaken, InvalidCredentials } from '../../src/domain/errors.ts';
import type { AuthUseCases } from '../../src/grpc/auth-service.ts';
import { testConfig } from '../support/config.ts';
import { createMigratedDatabase, type MigratedDatabase } from '../support/database.ts';

const password = 'correct horse battery staple';
const clock = new ManualClock(new Date('2026-11-23T10:00:00.123Z'));
let database: MigratedDatabase;
let useCases: AuthUseCases;

before(async () => {
  database = await createMigratedDatabase('auth_users');
  useCases = createAuthUseCases(testConfig(database.url).config, {
    pool: database.pool,
    clock,
    outbox: { afterCommit: () => undefined },
  });
});

after(async () => {
  await database.drop();
});

const uniqueEmail = (prefix: string) => `${prefix}-${randomUUID()}@Example.com`;

test('sign-up stores the user lower-cased, with a UUIDv7 id and the clock time', async () => {
  const email = uniqueEmail('Ann');
  const user = await useCases.signUp({ email, password });
  assert.equal(user.email, email.toLowerCase());
  assert.match(user.userId, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(user.createdAt, clock.now());

  const stored = await createUsersRepository(database.pool).findByEmail(email.toLowerCase());
  assert.ok(stored !== undefined);
  assert.equal(stored.id, user.userId);
  assert.ok(stored.createdAt instanceof Date);
  assert.deepEqual(stored.createdAt, user.createdAt);
  assert.match(stored.passwordHash, /^\$argon2id\$/);
});

test('an email is unique whatever its case', async () => {
  const email = uniqueEmail('Bob');
  await useCases.signUp({ email, password });
  await assert.rejects(useCases.signUp({ email: email.toUpperCase(), password }), EmailTaken);
  const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [
    email.toLowerCase(),
  ]);
  assert.equal(rows[0].n, 1);
});

test('two simultaneous sign-ups with one email: exactly one account, the other gets EmailTaken', async () => {
  const email = uniqueEmail('race');
  const results = await Promise.allSettled([
    useCases.signUp({ email, password }),
    useCases.signUp({ email: email.toUpperCase(), password }),
  ]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  const [rejected] = results.filter((r) => r.status === 'rejected');
  assert.ok(rejected?.reason instanceof EmailTaken);
});

test('sign-in accepts the email in any case and refuses a wrong password or an unknown email alike', async () => {
  const email = uniqueEmail('Cy');
  await useCases.signUp({ email, password });
  const tokens = await useCases.signIn({ email: email.toUpperCase(), password });
  assert.equal(tokens.tokenType, 'Bearer');
  await assert.rejects(useCases.signIn({ email, password: `${password}!` }), InvalidCredentials);
  await assert.rejects(useCases.signIn({ email: uniqueEmail('nobody'), password }), InvalidCredentials);
});

test('deleting a user removes their refresh tokens, frees the email, and is idempotent', async () => {
  const email = uniqueEmail('Di');
  const user = await useCases.signUp({ email, password });
  await useCases.signIn({ email, password });
  await useCases.deleteUser(user.userId);
  await useCases.deleteUser(user.userId);

  const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM refresh_tokens WHERE user_id = $1', [
    user.userId,
  ]);
  assert.equal(rows[0].n, 0);
  await assert.rejects(useCases.signIn({ email, password }), InvalidCredentials);
  const again = await useCases.signUp({ email, password });
  assert.notEqual(again.userId, user.userId);
});
