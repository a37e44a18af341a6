import { type Pool, type Queryable, withTransaction } from '@notes/postgres';
import type { TransactionalRepositories, UnitOfWork } from '../app/ports.ts';
import { createRefreshTokensRepository } from './refresh-tokens-repository.ts';
import { createUsersRepository } from './users-repository.ts';

/** The database's repositories on one transaction's client. */
export function createDbRepositories(tx: Queryable): Omit<TransactionalRepositories, 'events'> {
  return { users: createUsersRepository(tx), refreshTokens: createRefreshTokensRepository(tx) };
}

export interface UnitOfWorkOptions {
  /**
   * Everything one transaction's work gets, bound to the transaction's client: compose.ts joins
   * createDbRepositories(tx) and the events (written to the outbox through the same client).
   */
  repositories(tx: Queryable): TransactionalRepositories;
  /** Called after the COMMIT of a unit of work that recorded events, never inside the transaction. */
  afterCommit(): void;
}

/** Hands the use case repositories that all run on one transaction's connection. */
export function createUnitOfWork(pool: Pool, options: UnitOfWorkOptions): UnitOfWork {
  return {
    async run(work) {
      let recorded = false;
      const result = await withTransaction(pool, (tx) => {
        const repositories = options.repositories(tx);
        const { events } = repositories;
        return work({
          ...repositories,
          events: {
            async userCreated(user) {
              await events.userCreated(user);
              recorded = true;
            },
            async userDeleted(userId) {
              await events.userDeleted(userId);
              recorded = true;
            },
          },
        });
      });
      // Only after the commit, and only when there is something to publish; a rollback throws above.
      if (recorded) options.afterCommit();
      return result;
    },
  };
}
