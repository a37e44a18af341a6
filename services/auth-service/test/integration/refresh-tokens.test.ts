import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ManualClock } from '@notes/testkit/fakes';
import type { TokenPair } from '../../src/app/token-pair.ts';
import { createAuthUseCases } from '../../src/compose.ts';
import { createRefreshTokenSecrets } from '../../src/crypto/refresh-token-secrets.ts';
import { purgeEndedRefreshTokenFamilies } from '../../src/db/refresh-tokens-repository.ts';
import { InvalidRefreshToken } from '../../src/domain/errors.ts';
import type { AuthUseCases } from '../../src/grpc/auth-service.ts';
import { testConfig } from '../support/config.ts';
import { createMigratedDatabase, type MigratedDatabase } from '../support/database.ts';

const password = 'correct horse battery staple';
const clock = new ManualClock();
let database: MigratedDatabase;
let useCases: AuthUseCases;
let refreshTtlSeconds: number;

before(async () => {
  database = await createMigratedDatabase('auth_refresh');
  const { config } = testConfig(database.url);
  refreshTtlSeconds = config.jwt.refreshTtlSeconds;
  useCases = createAuthUseCases(config, { pool: database.pool, clock, outbox: { afterCommit: () => undefined } });
});

after(async () => {
  await database.drop();
});

async function signedInUser(): Promise<TokenPair> {
  const email = `user-${randomUUID()}@example.com`;
  await useCases.signUp({ email, password });
  return useCases.signIn({ email, password });
}

interface StoredToken {
  family_id: string;
  used_at: Date | null;
  revoked_at: Date | null;
  expires_at: Date;
}

async function stored(refreshToken: string): Promise<StoredToken> {
  const { rows } = await database.pool.query<StoredToken>(
    'SELECT family_id, used_at, revoked_at, expires_at FROM refresh_tokens WHERE token_hash = $1',
    [createRefreshTokenSecrets().hash(refreshToken)],
  );
  assert.ok(rows[0] !== undefined, 'the token is stored (by its hash)');
  return rows[0];
}

test('only the hash of a refresh token is stored, expiring after the refresh TTL', async () => {
  const { refreshToken, refreshExpiresIn } = await signedInUser();
  assert.equal(Buffer.from(refreshToken, 'base64url').length, 32);
  assert.equal(refreshExpiresIn, refreshTtlSeconds);
  const row = await stored(refreshToken);
  assert.deepEqual(row.expires_at, new Date(clock.now().getTime() + refreshTtlSeconds * 1000));
  const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM refresh_tokens WHERE token_hash = $1', [
    Buffer.from(refreshToken),
  ]);
  assert.equal(rows[0].n, 0);
});

test('a refresh rotates: the old token is marked used, the new one joins the family', async () => {
  const first = await signedInUser();
  const second = await useCases.refresh(first.refreshToken);
  assert.notEqual(second.refreshToken, first.refreshToken);
  const [old, rotated] = [await stored(first.refreshToken), await stored(second.refreshToken)];
  assert.deepEqual(old.used_at, clock.now());
  assert.equal(rotated.used_at, null);
  assert.equal(rotated.family_id, old.family_id);
  const third = await useCases.refresh(second.refreshToken);
  assert.equal((await stored(third.refreshToken)).family_id, old.family_id);
});

test('reusing a used token fails and revokes its whole family, and the revocation is committed', async () => {
  const first = await signedInUser();
  const second = await useCases.refresh(first.refreshToken);

  await assert.rejects(useCases.refresh(first.refreshToken), InvalidRefreshToken);

  // Read back on another connection: committed despite the error.
  const { rows } = await database.pool.query<{ revoked: number; total: number }>(
    'SELECT count(revoked_at)::int AS revoked, count(*)::int AS total FROM refresh_tokens WHERE family_id = $1',
    [(await stored(first.refreshToken)).family_id],
  );
  assert.deepEqual(rows[0], { revoked: 2, total: 2 });
  await assert.rejects(useCases.refresh(second.refreshToken), InvalidRefreshToken);
});

test('revoking one family leaves the user’s other sign-ins alone', async () => {
  const email = `user-${randomUUID()}@example.com`;
  await useCases.signUp({ email, password });
  const phone = await useCases.signIn({ email, password });
  const laptop = await useCases.signIn({ email, password });
  await useCases.refresh(phone.refreshToken);
  await assert.rejects(useCases.refresh(phone.refreshToken), InvalidRefreshToken);
  const renewed = await useCases.refresh(laptop.refreshToken);
  assert.equal(renewed.tokenType, 'Bearer');
});

test('two simultaneous refreshes with one token: one wins, the other counts as reuse', async () => {
  const { refreshToken } = await signedInUser();
  const results = await Promise.allSettled([useCases.refresh(refreshToken), useCases.refresh(refreshToken)]);
  const winners = results.filter((r) => r.status === 'fulfilled');
  const losers = results.filter((r) => r.status === 'rejected');
  assert.equal(winners.length, 1);
  assert.ok(losers[0]?.reason instanceof InvalidRefreshToken);
  const winner = winners[0]?.value;
  assert.ok(winner !== undefined);
  assert.notEqual((await stored(winner.refreshToken)).revoked_at, null);
});

test('an expired token is refused without revoking its family', async () => {
  const { refreshToken } = await signedInUser();
  clock.advanceSeconds(refreshTtlSeconds);
  try {
    await assert.rejects(useCases.refresh(refreshToken), InvalidRefreshToken);
  } finally {
    clock.advanceSeconds(-refreshTtlSeconds);
  }
  assert.equal((await stored(refreshToken)).revoked_at, null);
});

test('an unknown token is refused', async () => {
  await assert.rejects(useCases.refresh('never-issued'), InvalidRefreshToken);
});

test('sign-out revokes the family; signing out again or with an unknown token is fine', async () => {
  const first = await signedInUser();
  const second = await useCases.refresh(first.refreshToken);
  await useCases.signOut(second.refreshToken);
  await useCases.signOut(second.refreshToken);
  await useCases.signOut('never-issued');
  await assert.rejects(useCases.refresh(second.refreshToken), InvalidRefreshToken);
  assert.notEqual((await stored(first.refreshToken)).revoked_at, null);
});

test('the purge deletes the families none of whose tokens can be exchanged, and keeps a live family whole', async () => {
  const countOf = async (refreshToken: string) =>
    (
      await database.pool.query('SELECT count(*)::int AS n FROM refresh_tokens WHERE family_id = $1', [
        (await stored(refreshToken)).family_id,
      ])
    ).rows[0].n as number;
  const expired = await signedInUser();
  const expiredFamily = (await stored(expired.refreshToken)).family_id;
  clock.advanceSeconds(refreshTtlSeconds);
  try {
    const live = await signedInUser();
    const rotated = await useCases.refresh(live.refreshToken);
    const signedOut = await signedInUser();
    await useCases.signOut(signedOut.refreshToken);
    const signedOutFamily = (await stored(signedOut.refreshToken)).family_id;

    assert.ok((await purgeEndedRefreshTokenFamilies(database.pool, clock.now(), 1)) >= 2);

    const { rows } = await database.pool.query(
      'SELECT count(*)::int AS n FROM refresh_tokens WHERE family_id = ANY ($1)',
      [[expiredFamily, signedOutFamily]],
    );
    assert.equal(rows[0].n, 0, 'the expired and the signed-out families are gone');
    assert.equal(await countOf(rotated.refreshToken), 2, 'the live family keeps its used token');
    // Its used token still gives the family away when presented again.
    await assert.rejects(useCases.refresh(live.refreshToken), InvalidRefreshToken);
    await assert.rejects(useCases.refresh(rotated.refreshToken), InvalidRefreshToken);
    await assert.rejects(useCases.refresh(expired.refreshToken), InvalidRefreshToken);
  } finally {
    clock.advanceSeconds(-refreshTtlSeconds);
  }
});
