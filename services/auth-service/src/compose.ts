// auth-service's application on the service skeleton (@notes/service-main, ADR 0010): its use
// cases over their ports, the gRPC service, the saga commands it answers and its background job.
import { AuthService } from '@notes/contracts/auth/v1';
import type { Logger } from '@notes/logger';
import type { Pool, Transaction } from '@notes/postgres';
import { createSagaReplies } from '@notes/saga';
import {
  createGrpcService,
  createUnitOfWork,
  type GrpcService,
  type OutboxWakeUp,
  type RetentionPurge,
  type ServiceEntry,
} from '@notes/service-main';
import { v7 as uuidv7 } from 'uuid';
import { createBeginUserDeletion } from './app/begin-user-deletion.ts';
import { createDeleteUser, deleteUserForSaga } from './app/delete-user.ts';
import { createGetJwks } from './app/get-jwks.ts';
import type { Clock, NewId, TransactionScope } from './app/ports.ts';
import { createRefresh } from './app/refresh.ts';
import { createSignIn } from './app/sign-in.ts';
import { createSignOut } from './app/sign-out.ts';
import { createSignUp } from './app/sign-up.ts';
import { createTokenPairIssuer } from './app/token-pair.ts';
import { type AuthConfig, loadAuthConfig, loadMigrationConfig } from './config.ts';
import { createArgon2PasswordHasher } from './crypto/argon2-password-hasher.ts';
import { createRefreshTokenSecrets } from './crypto/refresh-token-secrets.ts';
import { createRs256AccessTokens } from './crypto/rs256-access-tokens.ts';
import { applyAuthMigrations } from './db/migrations.ts';
import { createRefreshTokensRepository, purgeEndedRefreshTokenFamilies } from './db/refresh-tokens-repository.ts';
import { createSignInAttemptsRepository } from './db/sign-in-attempts-repository.ts';
import { createUsersRepository } from './db/users-repository.ts';
import { type AuthUseCases, createAuthServiceImpl } from './grpc/auth-service.ts';
import { authServiceCallers } from './grpc/callers.ts';
import { mapAuthError } from './grpc/error-mapper.ts';
import { authSagaCommands } from './kafka/saga-commands.ts';
import { createUserEvents } from './outbox/user-events.ts';

export interface AuthServiceOverrides {
  logger?: Logger;
}

export type AuthServiceInstance = GrpcService;

const systemClock: Clock = { now: () => new Date() };

/** The whole auth-service for one configuration; nothing is shared between instances. */
export function composeAuthService(config: AuthConfig, overrides: AuthServiceOverrides = {}): AuthServiceInstance {
  return createGrpcService({
    name: 'auth-service',
    settings: config,
    migrations: applyAuthMigrations,
    logger: overrides.logger,
    application: ({ pool, outbox }) => ({
      routes: (router) =>
        router.service(
          AuthService,
          createAuthServiceImpl(createAuthUseCases(config, { pool, clock: systemClock, outbox })),
        ),
      callers: authServiceCallers,
      mapError: mapAuthError,
      consumes: config.saga.consumer
        ? { scopeOf: transactionScope(systemClock), handlers: authSagaCommands({ deleteUser: deleteUserForSaga }) }
        : undefined,
      retention: authRetention(config, { pool, clock: systemClock }),
    }),
  });
}

/** What main.ts runs: serving, or `migrate up|down` with no signing key needed. */
export function authServiceEntry(): ServiceEntry<AuthConfig> {
  return {
    name: 'auth-service',
    loadConfig: (env) => loadAuthConfig({ env }),
    compose: (config, logger) => composeAuthService(config, { logger }),
    migrate: { loadConfig: (env) => loadMigrationConfig({ env }), apply: applyAuthMigrations },
  };
}

export interface AuthUseCaseDependencies {
  pool: Pool;
  clock: Clock;
  /** Woken after every commit that recorded events (the service's outbox; tests may count the calls). */
  outbox: OutboxWakeUp;
}

/** The use cases over one pool; tests pass their own clock (and outbox wake-up). */
export function createAuthUseCases(config: AuthConfig, { pool, clock, outbox }: AuthUseCaseDependencies): AuthUseCases {
  const passwords = createArgon2PasswordHasher(config.argon2);
  const accessTokens = createRs256AccessTokens({
    privateKeyPem: config.jwt.privateKey,
    previousPublicKeyPems: config.jwt.previousPublicKeys,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    accessTtlSeconds: config.jwt.accessTtlSeconds,
  });
  // auth's own writes are queries, its outbox rows deferred writes: the relay is woken exactly
  // after the commits that recorded events (a refresh wakes nobody).
  const unitOfWork = createUnitOfWork({
    pool,
    scopeOf: transactionScope(clock),
    outbox,
    wakeRelay: 'after-deferred-writes',
  });
  const users = createUsersRepository(pool);
  const refreshTokens = createRefreshTokensRepository(pool);
  const newId: NewId = () => uuidv7();
  const secrets = createRefreshTokenSecrets();
  const issueTokenPair = createTokenPairIssuer({
    accessTokens,
    secrets,
    clock,
    newId,
    refreshTtlSeconds: config.jwt.refreshTtlSeconds,
  });
  return {
    signUp: createSignUp({ unitOfWork, passwords, clock, newId }),
    signIn: createSignIn({
      users,
      refreshTokens,
      attempts: createSignInAttemptsRepository(pool),
      passwords,
      issueTokenPair,
      clock,
      newId,
      limit: config.signIn,
    }),
    refresh: createRefresh({ unitOfWork, issueTokenPair, secrets, clock }),
    signOut: createSignOut({ refreshTokens, secrets, clock }),
    deleteUser: createDeleteUser({ unitOfWork }),
    beginUserDeletion: createBeginUserDeletion({ unitOfWork, clock }),
    getJwks: createGetJwks({ keys: accessTokens }),
  };
}

/** One transaction's repositories, events and saga replies: the user's row and its outbox rows commit together. */
function transactionScope(clock: Clock): (tx: Transaction) => TransactionScope {
  return (tx) => ({
    users: createUsersRepository(tx),
    refreshTokens: createRefreshTokensRepository(tx),
    events: createUserEvents(tx, { clock }),
    replies: createSagaReplies(tx, { clock }),
  });
}

const hourMs = 3_600_000;

/**
 * Sign-in attempts: once per sign-in window, the counts of the windows that ended go (so that
 * emails tried once do not stay). Refresh tokens: hourly, the families none of whose tokens can be
 * exchanged any more. Every replica purges: each is one idempotent DELETE at a time.
 */
function authRetention(config: AuthConfig, { pool, clock }: { pool: Pool; clock: Clock }): RetentionPurge[] {
  const windowSeconds = config.signIn.failureWindowSeconds;
  const attempts = createSignInAttemptsRepository(pool);
  return [
    {
      table: 'sign_in_attempts',
      everyMs: windowSeconds * 1000,
      purge: () => attempts.purgeEnded(clock.now(), windowSeconds),
    },
    { table: 'refresh_tokens', everyMs: hourMs, purge: () => purgeEndedRefreshTokenFamilies(pool, clock.now()) },
  ];
}
