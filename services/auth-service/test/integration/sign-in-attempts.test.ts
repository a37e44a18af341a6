import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ManualClock } from '@notes/testkit/fakes';
import { createAuthUseCases } from '../../src/compose.ts';
import { createSignInAttemptsRepository } from '../../src/db/sign-in-attempts-repository.ts';
import { InvalidCredentials, TooManySignInAttempts } from '../../src/domain/errors.ts';
import type { AuthUseCases } from '../../src/grpc/auth-service.ts';
import { testConfig } from '../support/config.ts';
import { createMigratedDatabase, type MigratedDatabase } from '../support/database.ts';

// config.yaml's limit: at most 10 failed sign-ins per email in 15 minutes.
const maxFailures = 10;
const windowSeconds = 900;
const password = 'correct horse battery staple';
const clock = new ManualClock(new Date('2026-11-23T10:00:00.000Z'));
let database: MigratedDatabase;
let useCases: AuthUseCases;
/** A second replica: the same database, its own process state. */
let replica: AuthUseCases;

before(async () => {
  database = await createMigratedDatabase('auth_sign_in_attempts');
  const { config } = testConfig(database.url);
  assert.deepEqual(config.signIn, { maxFailures, failureWindowSeconds: windowSeconds });
  const dependencies = { pool: database.pool, clock, outbox: { afterCommit: () => undefined } };
  useCases = createAuthUseCases(config, dependencies);
  replica = createAuthUseCases(config, dependencies);
});

after(async () => {
  await database.drop();
});

async function signedUp(): Promise<string> {
  const email = `user-${randomUUID()}@example.com`;
  await useCases.signUp({ email, password });
  return email;
}

async function failTimes(times: number, email: string, on: AuthUseCases[] = [useCases]): Promise<void> {
  for (let i = 0; i < times; i++) {
    const replicaOfTheTry = on[i % on.length] as AuthUseCases;
    await assert.rejects(replicaOfTheTry.signIn({ email, password: 'wrong password!!' }), InvalidCredentials);
  }
}

test('after 10 failures in 15 minutes an account is refused even the right password, until the window ends', async () => {
  const email = await signedUp();
  await failTimes(maxFailures, email);
  clock.advanceSeconds(60);
  await assert.rejects(useCases.signIn({ email, password }), (error: unknown) => {
    assert.ok(error instanceof TooManySignInAttempts);
    assert.equal(error.retryAfterSeconds, windowSeconds - 60);
    return true;
  });
  await assert.rejects(useCases.signIn({ email: email.toUpperCase(), password: 'wrong' }), TooManySignInAttempts);
  clock.advanceSeconds(windowSeconds - 60);
  assert.equal((await useCases.signIn({ email, password })).tokenType, 'Bearer');
});

test('an unknown email is limited the same way, so a refusal reveals no account', async () => {
  const email = `nobody-${randomUUID()}@example.com`;
  await failTimes(maxFailures, email);
  await assert.rejects(useCases.signIn({ email, password }), TooManySignInAttempts);
});

test('a successful sign-in clears the count', async () => {
  const email = await signedUp();
  await failTimes(maxFailures - 1, email);
  await useCases.signIn({ email, password });
  await failTimes(maxFailures, email);
  await assert.rejects(useCases.signIn({ email, password }), TooManySignInAttempts);
});

test('every replica counts in the same place', async () => {
  const email = await signedUp();
  await failTimes(maxFailures, email, [useCases, replica]);
  await assert.rejects(replica.signIn({ email, password }), TooManySignInAttempts);
  await assert.rejects(useCases.signIn({ email, password }), TooManySignInAttempts);
});

test('simultaneous guesses cannot outrun the count: exactly 10 passwords are checked', async () => {
  const email = await signedUp();
  const outcomes = await Promise.allSettled(
    Array.from({ length: maxFailures + 4 }, () => useCases.signIn({ email, password: 'a wrong guess' })),
  );
  const reasons = outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.reason : outcome.value));
  assert.equal(reasons.filter((reason) => reason instanceof InvalidCredentials).length, maxFailures);
  assert.equal(reasons.filter((reason) => reason instanceof TooManySignInAttempts).length, 4);
});

test('the counts of ended windows are purged', async () => {
  const attempts = createSignInAttemptsRepository(database.pool);
  const email = `purged-${randomUUID()}@example.com`;
  await attempts.begin(email, clock.now(), windowSeconds);
  const count = async () =>
    (await database.pool.query('SELECT count(*)::int AS n FROM sign_in_attempts WHERE email = $1', [email])).rows[0].n;
  await attempts.purgeEnded(clock.now(), windowSeconds);
  assert.equal(await count(), 1, 'its window is still running');
  clock.advanceSeconds(windowSeconds);
  assert.ok((await attempts.purgeEnded(clock.now(), windowSeconds)) >= 1);
  assert.equal(await count(), 0);
});
