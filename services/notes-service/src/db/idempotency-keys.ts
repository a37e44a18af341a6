import { preparedStatement, type Queryable, type Transaction } from '@notes/postgres';
import type { IdempotencyKeyFailure, IdempotencyKeys, RecordedIdempotencyKeys } from '../app/ports.ts';

// Both run in the write's transaction, deferred with its other writes: a create with a key is then
// one statement (its note, its outbox row and its key). The functions are migration 0006's.
const takeKey = preparedStatement('SELECT take_idempotency_key($1, $2)');
const recordKey = preparedStatement('SELECT record_idempotency_key($1, $2, $3, $4, $5, $6)');
const selectRecorded = preparedStatement(
  'SELECT fingerprint, answer FROM idempotency_keys WHERE owner_id = $1 AND key = $2 AND created_at >= $3',
);
// The SQLSTATEs the functions raise.
const failures: Record<string, IdempotencyKeyFailure> = { NK409: 'in-flight', NK422: 'recorded-meanwhile' };
const purgeChunk = preparedStatement(
  `DELETE FROM idempotency_keys WHERE ctid IN (
     SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED
   )`,
);

/** The idempotency_keys table in one transaction: the key's statements are deferred writes, committed with the write it guards. */
export function createIdempotencyKeys(tx: Transaction): IdempotencyKeys {
  return {
    async take({ ownerId, key }) {
      tx.defer(takeKey([ownerId, key]));
    },

    async record({ ownerId, key, fingerprint }, answer, at, since) {
      tx.defer(recordKey([ownerId, key, Buffer.from(fingerprint), Buffer.from(answer), at, since]));
    },
  };
}

/** The committed keys, through the pool. */
export function createRecordedIdempotencyKeys(db: Queryable): RecordedIdempotencyKeys {
  return {
    async find({ ownerId, key }, since) {
      const { rows } = await db.query<{ fingerprint: Buffer; answer: Buffer }>(selectRecorded([ownerId, key, since]));
      const row = rows[0];
      return row === undefined ? undefined : { fingerprint: row.fingerprint, answer: row.answer };
    },

    failureOf(error) {
      const code = (error as { code?: unknown } | null)?.code;
      return typeof code === 'string' ? failures[code] : undefined;
    },
  };
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
