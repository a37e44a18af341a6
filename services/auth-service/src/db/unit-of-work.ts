import { type Pool, type Queryable, type Transaction, withTransaction } from '@notes/postgres';
import type { TransactionScope, UnitOfWork } from '../app/ports.ts';
import { createRefreshTokensRepository } from './refresh-tokens-repository.ts';
import { createUsersRepository } from './users-repository.ts';

/** The database's repositories on one transaction's client. */
export function createDbRepositories(tx: Queryable): Pick<TransactionScope, 'users' | 'refreshTokens'> {
  return { users: createUsersRepository(tx), refreshTokens: createRefreshTokensRepository(tx) };
}

export interface UnitOfWorkOptions {
  /**
   * Everything one transaction's work gets, bound to the transaction's client: compose.ts joins
   * createDbRepositories(tx), the events and the saga replies (written to the outbox through the
   * same client).
   */
  repositories(tx: Transaction): TransactionScope;
  /** Called after the COMMIT of a unit of work that wrote to the outbox, never inside the transaction. */
  afterCommit(): void;
}

/** Hands the use case repositories that all run on one transaction's connection. */
export function createUnitOfWork(pool: Pool, options: UnitOfWorkOptions): UnitOfWork {
  return {
    async run(work) {
      let recorded = false;
      const result = await withTransaction(pool, (tx) => {
        const { events, replies, ...repositories } = options.repositories(tx);
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
          replies: {
            async succeeded(command) {
              await replies.succeeded(command);
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
