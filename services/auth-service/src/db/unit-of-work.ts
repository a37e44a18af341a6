import { type Pool, withTransaction } from '@notes/postgres';
import type { UnitOfWork } from '../app/ports.ts';
import { createRefreshTokensRepository } from './refresh-tokens-repository.ts';
import { createUsersRepository } from './users-repository.ts';

/** Hands the use case repositories that all run on one transaction's connection. */
export function createUnitOfWork(pool: Pool): UnitOfWork {
  return {
    run: (work) =>
      withTransaction(pool, (tx) =>
        work({ users: createUsersRepository(tx), refreshTokens: createRefreshTokensRepository(tx) }),
      ),
  };
}
