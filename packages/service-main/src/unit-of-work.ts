import { type Pool, type Transaction, withTransaction } from '@notes/postgres';

/** Runs work in one transaction: committed when it resolves, rolled back when it throws. */
export interface UnitOfWork<Scope> {
  run<T>(work: (scope: Scope) => Promise<T>): Promise<T>;
}

/** The outbox's wake-up: call after a COMMIT that wrote outbox rows, never inside the transaction. */
export interface OutboxWakeUp {
  afterCommit(): void;
}

export interface UnitOfWorkOptions<Scope> {
  pool: Pool;
  /** What one transaction's work may touch, bound to the transaction (repositories, events, replies). */
  scopeOf(tx: Transaction): Scope;
  outbox: OutboxWakeUp;
  /**
   * 'after-every-commit' (the default): a service whose every write records an event pays nothing
   * to find out. 'after-deferred-writes': only after a commit that carried deferred writes. Every
   * outbox row is one (appendToOutbox defers), so no wake-up is lost; a service whose other writes
   * are queries (auth-service) then wakes the relay exactly when the work wrote to the outbox.
   */
  wakeRelay?: 'after-every-commit' | 'after-deferred-writes';
}

/**
 * The transaction port of a service's use cases: the work's scope on one transaction, then, after
 * the COMMIT (never inside it), the outbox relay's wake-up. A transaction that throws wakes nobody.
 */
export function createUnitOfWork<Scope>(options: UnitOfWorkOptions<Scope>): UnitOfWork<Scope> {
  const { pool, scopeOf, outbox } = options;
  if (options.wakeRelay === 'after-deferred-writes') {
    return {
      async run(work) {
        let deferred = false;
        const result = await withTransaction(pool, (tx) =>
          work(
            scopeOf({
              query: tx.query,
              defer(write) {
                deferred = true;
                tx.defer(write);
              },
            }),
          ),
        );
        if (deferred) outbox.afterCommit();
        return result;
      },
    };
  }
  return {
    async run(work) {
      const result = await withTransaction(pool, (tx) => work(scopeOf(tx)));
      outbox.afterCommit();
      return result;
    },
  };
}
