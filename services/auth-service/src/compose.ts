import { join } from 'node:path';
import { AuthService } from '@notes/contracts/auth/v1';
import { createGrpcServer, errorInterceptor, registerHealth, validationInterceptor } from '@notes/grpc';
import { createLogger, type Logger } from '@notes/logger';
import { createPool, type MigrationResult, migrate, type Pool } from '@notes/postgres';
import { createDeleteUser } from './app/delete-user.ts';
import { createGetJwks } from './app/get-jwks.ts';
import type { Clock } from './app/ports.ts';
import { createRefresh } from './app/refresh.ts';
import { createSignIn } from './app/sign-in.ts';
import { createSignOut } from './app/sign-out.ts';
import { createSignUp } from './app/sign-up.ts';
import { createTokenPairIssuer } from './app/token-pair.ts';
import type { AuthConfig, MigrationConfig } from './config.ts';
import { createArgon2PasswordHasher } from './crypto/argon2-password-hasher.ts';
import { createRs256AccessTokens } from './crypto/rs256-access-tokens.ts';
import { createRefreshTokensRepository } from './db/refresh-tokens-repository.ts';
import { createUnitOfWork } from './db/unit-of-work.ts';
import { createUsersRepository } from './db/users-repository.ts';
import { mapAuthError } from './grpc/auth-error-mapper.ts';
import { type AuthUseCases, createAuthServiceImpl } from './grpc/auth-service.ts';

const migrationsDirectory = join(import.meta.dirname, '..', 'migrations');

export interface AuthServiceOverrides {
  logger?: Logger;
}

export interface AuthServiceInstance {
  /** Applies pending migrations (when database.migrateOnStart), then listens; port 0 picks a free one. */
  start(): Promise<{ port: number }>;
  /** Lets in-flight calls finish, then closes the database pool. Calling it again does nothing more. */
  stop(): Promise<void>;
}

/** The whole auth-service object graph for one configuration; nothing is shared between instances. */
export function composeAuthService(config: AuthConfig, overrides: AuthServiceOverrides = {}): AuthServiceInstance {
  const logger = overrides.logger ?? createLogger({ service: 'auth-service', level: config.log.level });
  const pool = createAuthPool(config, logger);
  const authService = createAuthServiceImpl(createAuthUseCases(config, { pool, clock: { now: () => new Date() } }));
  const server = createGrpcServer({
    host: config.grpc.host,
    port: config.grpc.port,
    // errorInterceptor is outermost, so it also sees what validation throws (and lets it through).
    interceptors: [errorInterceptor(mapAuthError, logger), validationInterceptor()],
    routes: (router) => {
      router.service(AuthService, authService);
      registerHealth(router, async () => {
        await pool.query('SELECT 1');
        return true;
      });
    },
  });

  let stopping: Promise<void> | undefined;
  return {
    async start() {
      if (config.database.migrateOnStart) logMigrations(logger, await runMigrations(pool, 'up'));
      const address = await server.listen();
      return { port: address.port };
    },
    stop() {
      stopping ??= server.close().then(() => pool.end());
      return stopping;
    },
  };
}

/** The use cases over one pool; tests pass their own clock. */
export function createAuthUseCases(config: AuthConfig, { pool, clock }: { pool: Pool; clock: Clock }): AuthUseCases {
  const passwords = createArgon2PasswordHasher(config.argon2);
  const accessTokens = createRs256AccessTokens({
    privateKeyPem: config.jwt.privateKey,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    accessTtlSeconds: config.jwt.accessTtlSeconds,
  });
  const users = createUsersRepository(pool);
  const refreshTokens = createRefreshTokensRepository(pool);
  const unitOfWork = createUnitOfWork(pool);
  const issueTokenPair = createTokenPairIssuer({
    accessTokens,
    clock,
    refreshTtlSeconds: config.jwt.refreshTtlSeconds,
  });
  return {
    signUp: createSignUp({ unitOfWork, passwords, clock }),
    signIn: createSignIn({ users, refreshTokens, passwords, issueTokenPair }),
    refresh: createRefresh({ unitOfWork, issueTokenPair, clock }),
    signOut: createSignOut({ refreshTokens, clock }),
    deleteUser: createDeleteUser({ users }),
    getJwks: createGetJwks({ keys: accessTokens }),
  };
}

/** `migrate up|down` on its own: one migration per call for down, every pending one for up. */
export async function migrateAuthDatabase(
  config: MigrationConfig,
  direction: 'up' | 'down',
  logger: Logger,
): Promise<void> {
  const pool = createAuthPool(config, logger);
  try {
    logMigrations(logger, await runMigrations(pool, direction));
  } finally {
    await pool.end();
  }
}

function createAuthPool(config: MigrationConfig, logger: Logger): Pool {
  const pool = createPool({
    dsn: config.database.dsn,
    maxConnections: config.database.maxConnections,
    applicationName: 'auth-service',
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  return pool;
}

function runMigrations(pool: Pool, direction: 'up' | 'down'): Promise<MigrationResult> {
  return migrate({ pool, directory: migrationsDirectory, direction });
}

function logMigrations(logger: Logger, result: MigrationResult): void {
  if (result.applied.length > 0) logger.info({ migrations: result.applied }, 'migrations applied');
  if (result.reverted.length > 0) logger.info({ migrations: result.reverted }, 'migrations reverted');
}
