import type { Logger } from '@notes/logger';
import type { Queryable } from '@notes/postgres';
import { type PeriodicJob, startPeriodicJob } from '@notes/scheduling';

/** How long sent rows are kept, and how often they are purged, unless a relay is told otherwise. */
export const sentRowsRetention = { keptMs: 3_600_000, purgeEveryMs: 60_000 } as const;

export interface PurgeOptions {
  /** Sent rows whose sent_at is older than this are deleted. */
  olderThanMs: number;
  /** Rows per DELETE statement (each its own short transaction on a pool); default 1000. */
  chunkSize?: number;
  /** Asked between chunks; stop early when it returns false. */
  shouldContinue?: () => boolean;
}

/**
 * Deletes sent outbox rows older than olderThanMs, oldest first, in small chunks so no statement
 * holds many locks or runs long. Unsent rows are never touched. Returns how many were deleted.
 * Several relays may purge at once: SKIP LOCKED keeps them off each other's chunks.
 */
export async function purgeSentOutboxRows(db: Queryable, options: PurgeOptions): Promise<number> {
  const chunkSize = options.chunkSize ?? 1_000;
  const cutoff = new Date(Date.now() - options.olderThanMs);
  let deleted = 0;
  for (;;) {
    const result = await db.query(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox
         WHERE sent_at IS NOT NULL AND sent_at < $1
         ORDER BY sent_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       )`,
      [cutoff, chunkSize],
    );
    const count = result.rowCount ?? 0;
    deleted += count;
    if (count < chunkSize || options.shouldContinue?.() === false) return deleted;
  }
}

export interface OutboxPurgeOptions extends PurgeOptions {
  /** How often sent rows are purged. */
  everyMs: number;
  logger: Logger;
}

/** Purges sent rows every everyMs while the relay runs; a purge that fails is logged and tried at the next period. */
export function startOutboxPurge(db: Queryable, options: OutboxPurgeOptions): PeriodicJob {
  const { everyMs, logger } = options;
  return startPeriodicJob({
    everyMs,
    async run() {
      const deleted = await purgeSentOutboxRows(db, options);
      if (deleted > 0) logger.debug({ deleted }, 'outbox: deleted old sent rows');
    },
    onError: (error) => logger.warn({ err: error }, 'outbox retention failed; retried at the next period'),
  });
}
