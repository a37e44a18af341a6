// Every use case on in-memory fakes of its ports: what it returns, what it stored, which events and
// saga replies it recorded, which error it threw. The adapters are tested on PostgreSQL elsewhere.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sagaCommandTypes } from '@notes/contracts/names';
import { ManualClock, sequentialUuids } from '@notes/testkit/fakes';
import { createBeginUserDeletion } from '../../src/app/begin-user-deletion.ts';
import { createDeleteUser, deleteUserForSaga } from '../../src/app/delete-user.ts';
import { createGetJwks } from '../../src/app/get-jwks.ts';
import { createRefresh } from '../../src/app/refresh.ts';
import { createSignIn } from '../../src/app/sign-in.ts';
import { createSignOut } from '../../src/app/sign-out.ts';
import { createSignUp } from '../../src/app/sign-up.ts';
import { createTokenPairIssuer } from '../../src/app/token-pair.ts';
import {
  EmailTaken,
  InvalidCredentials,
  InvalidEmail,
  InvalidPassword,
  InvalidRefreshToken,
  TooManySignInAttempts,
  UserNotFound,
} from '../../src/domain/errors.ts';
import {
  FakeAccessTokens,
  FakePasswordHasher,
  FakeRefreshTokenSecrets,
  InMemorySignInAttempts,
  InMemoryUnitOfWork,
} from '../support/fakes.ts';

const refreshTtlSeconds = 3_600;
const password = 'correct horse battery staple';

function authService() {
  const unitOfWork = new InMemoryUnitOfWork();
  const clock = new ManualClock(new Date('2026-11-23T10:00:00.000Z'));
  const newId = sequentialUuids();
  const secrets = new FakeRefreshTokenSecrets();
  const passwords = new FakePasswordHasher();
  const accessTokens = new FakeAccessTokens();
  const attempts = new InMemorySignInAttempts();
  const { users, refreshTokens } = unitOfWork;
  const issueTokenPair = createTokenPairIssuer({ accessTokens, secrets, clock, newId, refreshTtlSeconds });
  return {
    unitOfWork,
    clock,
    secrets,
    attempts,
    signUp: createSignUp({ unitOfWork, passwords, clock, newId }),
    signIn: createSignIn({
      users,
      refreshTokens,
      attempts,
      passwords,
      issueTokenPair,
      clock,
      newId,
      limit: { maxFailures: 3, failureWindowSeconds: 60 },
    }),
    refresh: createRefresh({ unitOfWork, issueTokenPair, secrets, clock }),
    signOut: createSignOut({ refreshTokens, secrets, clock }),
    deleteUser: createDeleteUser({ unitOfWork }),
    beginUserDeletion: createBeginUserDeletion({ unitOfWork, clock }),
    getJwks: createGetJwks({ keys: accessTokens }),
  };
}

async function signedIn(service: ReturnType<typeof authService>) {
  const user = await service.signUp({ email: 'Ada@Example.org', password });
  return { user, tokens: await service.signIn({ email: 'ada@example.org', password }) };
}

describe('SignUp', () => {
  test('stores the account under its normalised email and records UserCreated with it', async () => {
    const service = authService();
    const user = await service.signUp({ email: 'Ada@Example.ORG', password });

    assert.deepEqual(user, {
      userId: '00000000-0000-7000-8000-000000000001',
      email: 'ada@example.org',
      createdAt: new Date('2026-11-23T10:00:00.000Z'),
    });
    assert.deepEqual(service.unitOfWork.users.rows, [
      {
        id: user.userId,
        email: 'ada@example.org',
        passwordHash: `hashed:${password}`,
        createdAt: user.createdAt,
        deletionRequestedAt: null,
      },
    ]);
    assert.deepEqual(service.unitOfWork.events.recorded, [
      { type: 'userCreated', userId: user.userId, email: 'ada@example.org' },
    ]);
  });

  test('a taken email is EmailTaken and records no second event; bad input is refused before anything', async () => {
    const service = authService();
    await service.signUp({ email: 'ada@example.org', password });
    await assert.rejects(service.signUp({ email: 'ADA@example.org', password }), EmailTaken);
    await assert.rejects(service.signUp({ email: '', password }), InvalidEmail);
    await assert.rejects(service.signUp({ email: 'bob@example.org', password: 'short' }), InvalidPassword);
    assert.equal(service.unitOfWork.users.rows.length, 1);
    assert.equal(service.unitOfWork.events.recorded.length, 1);
  });
});

describe('SignIn', () => {
  test('issues an access token and a refresh token of a new family, stored as its hash with its expiry', async () => {
    const service = authService();
    const { user, tokens } = await signedIn(service);

    assert.deepEqual(tokens, {
      accessToken: `access:${user.userId}@2026-11-23T10:00:00.000Z`,
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: 'refresh-1',
      refreshExpiresIn: refreshTtlSeconds,
    });
    const [stored] = service.unitOfWork.refreshTokens.rows;
    assert.deepEqual(stored?.tokenHash, service.secrets.hash('refresh-1'));
    assert.equal(stored?.userId, user.userId);
    assert.equal(stored?.expiresAt.toISOString(), '2026-11-23T11:00:00.000Z');
    assert.deepEqual([stored?.usedAt, stored?.revokedAt], [null, null]);
    assert.notEqual(stored?.familyId, stored?.id);
  });

  test('a wrong password, an unknown email and an account being deleted are all InvalidCredentials', async () => {
    const service = authService();
    const { user } = await signedIn(service);
    await assert.rejects(service.signIn({ email: 'ada@example.org', password: 'wrong password!' }), InvalidCredentials);
    await assert.rejects(service.signIn({ email: 'nobody@example.org', password }), InvalidCredentials);
    await service.beginUserDeletion(user.userId);
    await assert.rejects(service.signIn({ email: 'ada@example.org', password }), InvalidCredentials);
  });

  test('after maxFailures failures in the window, even the right password is refused until it ends', async () => {
    const service = authService();
    await service.signUp({ email: 'ada@example.org', password });
    for (let failure = 0; failure < 3; failure += 1) {
      await assert.rejects(
        service.signIn({ email: 'ada@example.org', password: 'wrong password!' }),
        InvalidCredentials,
      );
    }
    service.clock.advanceSeconds(20);
    await assert.rejects(
      service.signIn({ email: 'ada@example.org', password }),
      (error) => error instanceof TooManySignInAttempts && error.retryAfterSeconds === 40,
    );
    service.clock.advanceSeconds(40);
    assert.equal((await service.signIn({ email: 'ada@example.org', password })).tokenType, 'Bearer');
    assert.equal(service.attempts.windows.size, 0, 'a success starts the count afresh');
  });
});

describe('Refresh', () => {
  test('exchanges a refresh token once for a new pair in the same family, and marks it used', async () => {
    const service = authService();
    const { tokens } = await signedIn(service);
    service.clock.advanceSeconds(10);

    const renewed = await service.refresh(tokens.refreshToken);

    assert.equal(renewed.refreshToken, 'refresh-2');
    const [first, second] = service.unitOfWork.refreshTokens.rows;
    assert.equal(first?.usedAt?.toISOString(), '2026-11-23T10:00:10.000Z');
    assert.equal(second?.familyId, first?.familyId);
    assert.equal(second?.usedAt, null);
  });

  test('a token presented again is refused and revokes its whole family, the refusal committed', async () => {
    const service = authService();
    const { tokens } = await signedIn(service);
    const renewed = await service.refresh(tokens.refreshToken);

    await assert.rejects(service.refresh(tokens.refreshToken), InvalidRefreshToken);

    assert.ok(service.unitOfWork.refreshTokens.rows.every((row) => row.revokedAt !== null));
    await assert.rejects(service.refresh(renewed.refreshToken), InvalidRefreshToken);
  });

  test('an unknown, an expired, and a deleting account’s token are InvalidRefreshToken', async () => {
    const service = authService();
    const { user, tokens } = await signedIn(service);
    await assert.rejects(service.refresh('refresh-never-issued'), InvalidRefreshToken);
    service.clock.advanceSeconds(refreshTtlSeconds);
    await assert.rejects(service.refresh(tokens.refreshToken), InvalidRefreshToken);

    const other = authService();
    const { tokens: fresh } = await signedIn(other);
    await other.unitOfWork.users.markDeletionRequested(user.userId, other.clock.now());
    await assert.rejects(other.refresh(fresh.refreshToken), InvalidRefreshToken);
    assert.equal(other.unitOfWork.refreshTokens.rows[0]?.usedAt, null, 'not used up by the refusal');
  });
});

describe('SignOut', () => {
  test("revokes the token's family, and is not an error for an unknown token", async () => {
    const service = authService();
    const { tokens } = await signedIn(service);
    const renewed = await service.refresh(tokens.refreshToken);
    service.clock.advanceSeconds(1);

    await service.signOut(renewed.refreshToken);
    await service.signOut('refresh-never-issued');

    assert.deepEqual(
      service.unitOfWork.refreshTokens.rows.map((row) => row.revokedAt?.toISOString()),
      ['2026-11-23T10:00:01.000Z', '2026-11-23T10:00:01.000Z'],
    );
  });
});

describe('BeginUserDeletion', () => {
  test('marks the account once and revokes all its tokens; an unknown user is UserNotFound', async () => {
    const service = authService();
    const { user } = await signedIn(service);
    await service.beginUserDeletion(user.userId);
    service.clock.advanceSeconds(5);
    await service.beginUserDeletion(user.userId);

    const [row] = service.unitOfWork.users.rows;
    assert.equal(row?.deletionRequestedAt?.toISOString(), '2026-11-23T10:00:00.000Z', 'the first time stays');
    assert.ok(service.unitOfWork.refreshTokens.rows.every((token) => token.revokedAt !== null));
    await assert.rejects(service.beginUserDeletion('0190f5f4-7b1c-7a3e-8f00-3c5d2b1a9e77'), UserNotFound);
  });
});

describe('DeleteUser', () => {
  test('removes the account with its tokens and records UserDeleted; deleting it again records nothing', async () => {
    const service = authService();
    const { user } = await signedIn(service);

    await service.deleteUser(user.userId);
    await service.deleteUser(user.userId);

    assert.deepEqual(service.unitOfWork.users.rows, []);
    assert.deepEqual(service.unitOfWork.refreshTokens.rows, []);
    assert.deepEqual(
      service.unitOfWork.events.recorded.map((event) => event.type),
      ['userCreated', 'userDeleted'],
    );
  });

  test('for a saga: the same deletion, answered succeeded, also when the account is gone already', async () => {
    const service = authService();
    const { user } = await signedIn(service);
    const command = {
      sagaId: '0190f5f4-7b1c-7a3e-8f00-000000005a6a',
      commandId: '0190f5f4-7b1c-7a3e-8f00-0000000c0de1',
      commandType: sagaCommandTypes.DeleteUser,
      userId: user.userId,
    };

    await service.unitOfWork.run((scope) => deleteUserForSaga(command, scope));
    await service.unitOfWork.run((scope) => deleteUserForSaga(command, scope));

    assert.deepEqual(service.unitOfWork.users.rows, []);
    assert.deepEqual(service.unitOfWork.replies.recorded, [command, command]);
    assert.deepEqual(
      service.unitOfWork.events.recorded.map((event) => event.type),
      ['userCreated', 'userDeleted'],
    );
  });
});

describe('GetJwks', () => {
  test('answers the public keys as a JWKS document', () => {
    assert.deepEqual(JSON.parse(authService().getJwks()), { keys: [{ kty: 'RSA', kid: 'test-key', use: 'sig' }] });
  });
});
