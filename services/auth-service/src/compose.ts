import { join } from 'node:path';
import { AuthService } from '@notes/contracts/auth/v1';
import { createGrpcServer, errorInterceptor, type GrpcTls, registerHealth, validationInterceptor } from '@notes/grpc';
import {
  createDeadLetterPublisher,
  type KafkaMetrics,
  processedEventsMigrations,
  startProcessedEventsRetention,
} from '@notes/kafka';
import { createLogger, type Logger } from '@notes/logger';
import { createOutboxMetrics, createServiceOutbox, outboxMigrations, type ServiceOutbox } from '@notes/outbox';
import { createPool, type MigrationResult, migrate, type Pool, type Transaction } from '@notes/postgres';
import { createSagaReplies } from '@notes/saga';
import { createServiceOperations } from '@notes/service-main';
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
import type { AuthConfig, MigrationConfig } from './config.ts';
import { createArgon2PasswordHasher } from './crypto/argon2-password-hasher.ts';
import { createRefreshTokenSecrets } from './crypto/refresh-token-secrets.ts';
import { createRs256AccessTokens } from './crypto/rs256-access-tokens.ts';
import { createRefreshTokensRepository } from './db/refresh-tokens-repository.ts';
import { createSignInAttemptsRepository } from './db/sign-in-attempts-repository.ts';
import { createDbRepositories, createUnitOfWork } from './db/unit-of-work.ts';
import { createUsersRepository } from './db/users-repository.ts';
import { type AuthUseCases, createAuthServiceImpl } from './grpc/auth-service.ts';
import { mapAuthError } from './grpc/error-mapper.ts';
import { startSagaCommandConsumer } from './kafka/saga-commands.ts';

import { createUserEvents } from './outbox/user-events.ts';

const migrationsDirectory = join(import.meta.dirname, '..', 'migrations');

// Three sets of migrations, each recorded in its own table: the service's own (schema_migrations),
// the outbox's (outbox_migrations), then the saga consumer's processed_events
// (processed_events_migrations). Down goes the other way round.
const migrationSets: readonly { directory: string; table?: string }[] = [
  { directory: migrationsDirectory },
  outboxMigrations,
  processedEventsMigrations,
];

// The in-process outbox relay holds one connection for LISTEN and takes one per batch (and, now
// and then, one for its retention purge, which waits for a free one).
const relayConnections = 2;

export interface AuthServiceOverrides {
  logger?: Logger;
}

export interface AuthServiceInstance {
  /**
   * Applies pending migrations (when database.migrateOnStart), starts the outbox (its relay unless
   * outbox.relay is false) and the saga-command consumer (unless saga.consumer is false), then
   * listens (gRPC, then the operations HTTP port); port 0 picks a free one.
   */
  start(): Promise<{ port: number; httpPort: number }>;
  /**
   * Lets in-flight calls finish, stops the saga-command consumer (the command in flight finishes),
   * stops the outbox (the relay's current batch finishes), then closes the database pool. Calling
   * it again does nothing more.
   */
  stop(): Promise<void>;
  /** Serves new connections with renewed certificates (SIGHUP); a server started without TLS throws. */
  reloadGrpcTls(tls: GrpcTls): void;
}

/** The whole auth-service object graph for one configuration; nothing is shared between instances. */
export function composeAuthService(config: AuthConfig, overrides: AuthServiceOverrides = {}): AuthServiceInstance {
  const logger = overrides.logger ?? createLogger({ service: 'auth-service', level: config.log.level });
  const pool = createAuthPool(config, logger, config.outbox.relay ? relayConnections : 0);
  const operations = createServiceOperations({
    name: 'auth-service',
    http: config.http,
    kafka: config.kafka,
    database: pool,
  });
  const { registry, grpcMetrics, kafkaMetrics } = operations;
  const outbox = createServiceOutbox({
    pool,
    brokers: config.kafka.brokers,
    connection: config.kafka.connection,
    clientId: 'auth-service',
    logger,
    relay: config.outbox.relay,
    metrics: { relay: createOutboxMetrics(registry, pool), kafka: kafkaMetrics },
  });
  const clock: Clock = { now: () => new Date() };
  const authService = createAuthServiceImpl(createAuthUseCases(config, { pool, clock, outbox }));
  const server = createGrpcServer({
    host: config.grpc.host,
    port: config.grpc.port,
    tls: config.grpcTls,
    logger,
    // Metrics outermost, to count the status answered; then errorInterceptor, so that it also sees
    // what validation throws (and lets it through).
    interceptors: [grpcMetrics.server, errorInterceptor(mapAuthError, logger), validationInterceptor()],
    routes: (router) => {
      router.service(AuthService, authService);
      registerHealth(router, operations.servesRpcs);
    },
  });

  let sagaParticipant: SagaParticipant | undefined;
  let attemptsPurge: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  return {
    async start() {
      if (config.database.migrateOnStart) logMigrations(logger, await applyAuthMigrations(pool, 'up'));
      await outbox.start();
      // After the migrations: the consumer records the commands it handled in processed_events.
      if (config.saga.consumer) {
        sagaParticipant = startSagaParticipant(config, { pool, clock, outbox, logger, metrics: kafkaMetrics });
      }
      attemptsPurge = startSignInAttemptsPurge(config, { pool, clock, logger });
      const address = await server.listen();
      const httpPort = await operations.listen();
      return { port: address.port, httpPort };
    },
    reloadGrpcTls: (tls) => server.reloadTls(tls),
    stop() {
      stopping ??= (async () => {
        clearInterval(attemptsPurge);
        try {
          await server.close();
          await operations.close();
        } finally {
          try {
            await sagaParticipant?.stop();
          } finally {
            try {
              await outbox.stop();
            } finally {
              await pool.end();
            }
          }
        }
      })();
      return stopping;
    },
  };
}

/**
 * Once per sign-in window, forgets the counts of the windows that ended (every replica does it:
 * it is one idempotent DELETE), so that emails tried once do not stay in the table.
 */
function startSignInAttemptsPurge(
  config: AuthConfig,
  { pool, clock, logger }: { pool: Pool; clock: Clock; logger: Logger },
): NodeJS.Timeout {
  const attempts = createSignInAttemptsRepository(pool);
  const windowSeconds = config.signIn.failureWindowSeconds;
  const purge = () =>
    attempts
      .purgeEnded(clock.now(), windowSeconds)
      .catch((error: unknown) => logger.warn({ err: error }, 'purging ended sign-in windows failed'));
  return setInterval(purge, windowSeconds * 1000).unref();
}

interface SagaParticipant {
  /**
   * Stops the consumer (the command in flight finishes and is committed), then the retention of
   * its processed_events, then its dead-letter publisher.
   */
  stop(): Promise<void>;
}

/**
 * auth-service's part in the sagas: the saga-command consumer, with a dead-letter publisher of its
 * own and the retention of the processed_events it records.
 */
function startSagaParticipant(
  config: AuthConfig,
  { pool, clock, outbox, logger, metrics }: AuthUseCaseDependencies & { logger: Logger; metrics: KafkaMetrics },
): SagaParticipant {
  const deadLetter = createDeadLetterPublisher({
    brokers: config.kafka.brokers,
    connection: config.kafka.connection,
    clientId: 'auth-service',
  });
  const consumer = startSagaCommandConsumer({
    pool,
    brokers: config.kafka.brokers,
    connection: config.kafka.connection,
    logger,
    deadLetter,
    metrics,
    repositories: transactionalRepositories(clock),
    deleteUser: deleteUserForSaga,
    afterCommit: () => outbox.afterCommit(),
  });
  const retention = startProcessedEventsRetention({ pool, logger });
  return {
    async stop() {
      try {
        await consumer.stop();
      } finally {
        await retention.stop();
        await deadLetter.close();
      }
    },
  };
}

export interface AuthUseCaseDependencies {
  pool: Pool;
  clock: Clock;
  /** Told after every commit that recorded events (the service's outbox; tests may count the calls). */
  outbox: Pick<ServiceOutbox, 'afterCommit'>;
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
  const users = createUsersRepository(pool);
  const refreshTokens = createRefreshTokensRepository(pool);
  const unitOfWork = createUnitOfWork(pool, {
    repositories: transactionalRepositories(clock),
    afterCommit: () => outbox.afterCommit(),
  });
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

/**
 * One transaction's repositories, events and saga replies on its client: the user's row and its
 * outbox rows commit together (the outbox is woken after the commit, never inside it).
 */
function transactionalRepositories(clock: Clock): (tx: Transaction) => TransactionScope {
  return (tx) => ({
    ...createDbRepositories(tx),
    events: createUserEvents(tx, { clock }),
    replies: createSagaReplies(tx, { clock }),
  });
}

function createAuthPool(config: MigrationConfig, logger: Logger, extraConnections = 0): Pool {
  const pool = createPool({
    dsn: config.database.dsn,
    maxConnections: config.database.maxConnections + extraConnections,
    applicationName: 'auth-service',
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  return pool;
}

/**
 * Applies auth-service's migration sets in order, the service's own, the outbox's, then
 * processed_events', for up; for down, the newest migration of each set, in the reverse order.
 */
export async function applyAuthMigrations(pool: Pool, direction: 'up' | 'down'): Promise<MigrationResult> {
  const result: MigrationResult = { applied: [], reverted: [] };
  for (const set of direction === 'up' ? migrationSets : migrationSets.toReversed()) {
    const { applied, reverted } = await migrate({ pool, direction, ...set });
    result.applied.push(...applied);
    result.reverted.push(...reverted);
  }
  return result;
}

function logMigrations(logger: Logger, result: MigrationResult): void {
  if (result.applied.length > 0) logger.info({ migrations: result.applied }, 'migrations applied');
  if (result.reverted.length > 0) logger.info({ migrations: result.reverted }, 'migrations reverted');
}
