import type { Logger } from '@notes/logger';
import { preparedStatement, type Queryable, type Transaction } from '@notes/postgres';
import { type PeriodicJob, startPeriodicJob } from '@notes/scheduling';
import type { Clock, IdempotencyKeys } from '../app/ports.ts';
import { idempotencyKeysSince } from '../domain/idempotency.ts';

// A transaction-scoped advisory lock per (owner, key), tried, never waited for: a second request
// with the key while the first is in its transaction is told so at once. The uuid is 36 characters,
// so owner and key joined name one pair only.
const tryLock = preparedStatement('SELECT pg_try_advisory_xact_lock(hashtextextended($1::text || $2, 0)) AS locked');
// A statement of its own after the lock: its snapshot then sees the key of a transaction that held
// the lock and committed.
const selectRecorded = preparedStatement(
  'SELECT fingerprint, answer FROM idempotency_keys WHERE owner_id = $1 AND key = $2 AND created_at >= $3',
);
// Taken by the lock and not found since the cutoff, the key can only have an expired row to replace.
const upsertKey = preparedStatement(
  `INSERT INTO idempotency_keys (owner_id, key, fingerprint, answer, created_at) VALUES ($1, $2, $3, $4, $5)
   ON CONFLICT (owner_id, key) DO UPDATE
     SET fingerprint = EXCLUDED.fingerprint, answer = EXCLUDED.answer, created_at = EXCLUDED.created_at`,
);
const purgeChunk = preparedStatement(
  `DELETE FROM idempotency_keys WHERE ctid IN (
     SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED
   )`,
);

/** The idempotency_keys table in one transaction: a key's row is a deferred write, committed with the write it guards. */
export function createIdempotencyKeys(tx: Transaction): IdempotencyKeys {
  return {
    async claim({ ownerId, key }, since) {
      const { rows: lock } = await tx.query<{ locked: boolean }>(tryLock([ownerId, key]));
      if (lock[0]?.locked !== true) return 'in-flight';
      const { rows } = await tx.query<{ fingerprint: Buffer; answer: Buffer }>(selectRecorded([ownerId, key, since]));
      const row = rows[0];
      return row === undefined ? undefined : { fingerprint: row.fingerprint, answer: row.answer };
    },

    async record({ ownerId, key, fingerprint }, answer, at) {
      tx.defer(upsertKey([ownerId, key, Buffer.from(fingerprint), Buffer.from(answer), at]));
    },
  };
}

export interface IdempotencyKeysPurgeOptions {
  /** How often expired keys are deleted. */
  everyMs: number;
  /** Rows per DELETE (each its own short transaction). */
  chunkSize: number;
  clock: Clock;
  logger: Logger;
}

/** Deletes the keys recorded before `before`, a chunk per statement; returns how many. */
export async function purgeIdempotencyKeys(db: Queryable, before: Date, chunkSize: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await db.query(purgeChunk([before, chunkSize]));
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < chunkSize) return deleted;
  }
}

/** Every everyMs, deletes the keys that no longer hold (older than 24 hours); a failed run is logged and tried again at the next. */
export function startIdempotencyKeysPurge(db: Queryable, options: IdempotencyKeysPurgeOptions): PeriodicJob {
  const { everyMs, chunkSize, clock, logger } = options;
  return startPeriodicJob({
    everyMs,
    async run() {
      const deleted = await purgeIdempotencyKeys(db, idempotencyKeysSince(clock.now()), chunkSize);
      if (deleted > 0) logger.debug({ deleted }, 'deleted expired idempotency keys');
    },
    onError: (error) =>
      logger.warn({ err: error }, 'purging expired idempotency keys failed; tried again at the next period'),
  });
}
