import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ManualClock } from '@notes/testkit/fakes';
import { createRefreshTokenSecrets } from '../../src/crypto/refresh-token-secrets.ts';
import { createRefreshTokensRepository } from '../../src/db/refresh-tokens-repository.ts';
import { InvalidCredentials, InvalidRefreshToken, UserNotFound } from '../../src/domain/errors.ts';
import type { AuthUseCases } from '../../src/grpc/auth-service.ts';
import type { MigratedDatabase } from '../support/database.ts';
import { type UseCasesOnDatabase, useCasesOnDatabase } from '../support/use-cases.ts';

const password = 'correct horse battery staple';
const clock = new ManualClock(new Date('2026-11-25T09:00:00.000Z'));
let database: MigratedDatabase;
let useCases: AuthUseCases;
let outbox: UseCasesOnDatabase['outbox'];

before(async () => {
  ({ database, useCases, outbox } = await useCasesOnDatabase('auth_user_deletion', clock));
});

after(async () => {
  await database.drop();
});

async function signedUpUser() {
  const email = `user-${randomUUID()}@example.com`;
  const { userId } = await useCases.signUp({ email, password });
  return { email, userId };
}

async function deletionRequestedAt(userId: string): Promise<Date | null | undefined> {
  const { rows } = await database.pool.query<{ deletion_requested_at: Date | null }>(
    'SELECT deletion_requested_at FROM users WHERE id = $1',
    [userId],
  );
  return rows[0]?.deletion_requested_at;
}

async function unrevokedTokens(userId: string): Promise<number> {
  const { rows } = await database.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL',
    [userId],
  );
  return rows[0]?.n ?? 0;
}

test('beginning the deletion revokes every refresh token of the user and refuses sign-in and refresh', async () => {
  const { email, userId } = await signedUpUser();
  const phone = await useCases.signIn({ email, password });
  const laptop = await useCases.signIn({ email, password });
  const rotated = await useCases.refresh(laptop.refreshToken);
  outbox.afterCommits = 0;

  await useCases.beginUserDeletion(userId);

  assert.deepEqual(await deletionRequestedAt(userId), clock.now());
  assert.equal(await unrevokedTokens(userId), 0, 'both families, used tokens included');
  for (const token of [phone.refreshToken, rotated.refreshToken]) {
    await assert.rejects(useCases.refresh(token), InvalidRefreshToken);
  }
  await assert.rejects(useCases.signIn({ email, password }), InvalidCredentials);
  assert.equal(outbox.afterCommits, 0, 'no event: the account is still there');
});

test('beginning it again succeeds and keeps the first time', async () => {
  const { userId } = await signedUpUser();
  await useCases.beginUserDeletion(userId);
  const first = clock.now();
  clock.advanceSeconds(60);
  await useCases.beginUserDeletion(userId);
  assert.deepEqual(await deletionRequestedAt(userId), first);
});

test('a refresh token issued while the deletion began (a racing refresh) is refused all the same', async () => {
  const { userId } = await signedUpUser();
  await useCases.beginUserDeletion(userId);
  // As a refresh that committed its new token just after the revocation would have left it.
  const secrets = createRefreshTokenSecrets();
  const latecomer = secrets.generate();
  await createRefreshTokensRepository(database.pool).insert({
    id: randomUUID(),
    userId,
    familyId: randomUUID(),
    tokenHash: secrets.hash(latecomer),
    expiresAt: new Date(clock.now().getTime() + 3_600_000),
    createdAt: clock.now(),
    usedAt: null,
    revokedAt: null,
  });
  await assert.rejects(useCases.refresh(latecomer), InvalidRefreshToken);
});

test('an unknown user is UserNotFound', async () => {
  await assert.rejects(useCases.beginUserDeletion(randomUUID()), UserNotFound);
});

test('other users keep signing in and refreshing', async () => {
  const doomed = await signedUpUser();
  const bystander = await signedUpUser();
  const tokens = await useCases.signIn({ email: bystander.email, password });
  await useCases.beginUserDeletion(doomed.userId);
  assert.equal((await useCases.refresh(tokens.refreshToken)).tokenType, 'Bearer');
  assert.equal((await useCases.signIn({ email: bystander.email, password })).tokenType, 'Bearer');
  assert.equal(await deletionRequestedAt(bystander.userId), null);
});

test('the account is deleted for good afterwards, and its email is free again', async () => {
  const { email, userId } = await signedUpUser();
  await useCases.beginUserDeletion(userId);
  await useCases.deleteUser(userId);
  assert.equal(await deletionRequestedAt(userId), undefined);
  const again = await useCases.signUp({ email, password });
  assert.notEqual(again.userId, userId);
});
