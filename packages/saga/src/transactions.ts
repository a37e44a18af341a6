import { type Logger, withLogFields } from '@notes/logger';
import { type Pool, type Transaction, withTransaction } from '@notes/postgres';
import type { SagaStateChange } from './engine-api.ts';
import type { Saga, SagaState } from './saga.ts';

/** A saga a transaction wrote, and what is reported about it once the transaction has committed. */
export interface Applied {
  saga: Saga;
  from: SagaState | undefined;
  commandSent: boolean;
}

export interface SagaTransactionsOptions {
  pool: Pool;
  afterCommit: () => void;
  onStateChange: ((change: SagaStateChange) => void) | undefined;
  logger: Logger;
}

export type Transact = <T>(work: (tx: Transaction, applied: Applied[]) => Promise<T>) => Promise<T>;

/** Runs work in one transaction; after its commit, wakes the outbox relay and reports state changes. */
export function sagaTransactions(options: SagaTransactionsOptions): Transact {
  const { pool, logger } = options;
  return async (work) => {
    const applied: Applied[] = [];
    const result = await withTransaction(pool, (tx) => work(tx, applied));
    if (applied.some((change) => change.commandSent)) options.afterCommit();
    for (const { saga, from } of applied) {
      if (from === saga.state) continue;
      withLogFields({ correlation_id: saga.id }, () =>
        logger.info(
          { sagaId: saga.id, sagaType: saga.type, from, to: saga.state, step: saga.step, reason: saga.failureReason },
          'saga state changed',
        ),
      );
      try {
        options.onStateChange?.({ saga, from });
      } catch (error) {
        logger.error({ err: error, sagaId: saga.id }, 'the saga state change hook failed');
      }
    }
    return result;
  };
}
