import type { EventProducer } from '@notes/kafka';
import type { Pool } from '@notes/postgres';
import type { OutboxRelayMetrics } from './metrics.ts';
import { outboxLaneLockKey, outboxLanes } from './migrations.ts';
import { type OutboxRow, publishRows } from './publish.ts';

export interface BatchOutcome {
  published: number;
  /** A lane gave as many rows as it was asked for: there may be more right now. */
  more: boolean;
}

// The lanes that have unsent rows (a hint, from a snapshot taken before the locks), each locked
// for this transaction if no other relay holds it. MATERIALIZED, so the lock function only ever
// runs on lanes that have work: an idle lane stays free for the other relays.
const claimLanesSql = `
  WITH pending AS MATERIALIZED (
    SELECT l.lane FROM generate_series(0, $2::int - 1) AS l(lane)
    WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.lane = l.lane AND o.sent_at IS NULL)
  )
  SELECT lane FROM pending WHERE pg_try_advisory_xact_lock($1::int, lane)`;

// A new statement, so a new snapshot taken after the lane locks: it sees everything the lanes'
// previous holders committed. Up to $2 rows per lane, oldest seq first. SKIP LOCKED never skips a
// row of a locked lane (no other relay claims rows there); it only keeps the statement from
// waiting on something unexpected holding a row.
const claimRowsSql = `
  SELECT o.id, o.aggregate_id, o.topic, o.type, o.payload, o.correlation_id, o.trace_headers, o.occurred_at, o.lane
  FROM unnest($1::int[]) AS l(lane)
  CROSS JOIN LATERAL (
    SELECT * FROM outbox
    WHERE outbox.lane = l.lane AND outbox.sent_at IS NULL
    ORDER BY outbox.seq
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  ) AS o
  ORDER BY o.seq`;

export interface BatchRelayOptions {
  pool: Pool;
  producer: Pick<EventProducer, 'publish'>;
  /** Rows claimed, published and marked sent per transaction. */
  batchSize: number;
  metrics: OutboxRelayMetrics | undefined;
}

/**
 * One batch in one transaction: lock the free lanes that have work (pg_try_advisory_xact_lock),
 * claim their oldest unsent rows (FOR UPDATE SKIP LOCKED), publish them, set sent_at, commit. If
 * anything fails, the transaction rolls back and the rows stay unsent.
 */
export async function relayBatch(options: BatchRelayOptions): Promise<BatchOutcome> {
  const { pool, batchSize } = options;
  const client = await pool.connect();
  let broken: unknown;
  try {
    // synchronous_commit off for this transaction only: it changes nothing but sent_at, and
    // losing that to a database crash only republishes (at least once) — while waiting for the
    // WAL flush of every batch would slow the relay down for nothing.
    await client.query('BEGIN; SET LOCAL synchronous_commit = off');
    const { rows: laneRows } = await client.query<{ lane: number }>(claimLanesSql, [outboxLaneLockKey, outboxLanes]);
    if (laneRows.length === 0) {
      await client.query('COMMIT');
      return { published: 0, more: false };
    }
    const lanes = laneRows.map((row) => row.lane);
    const perLane = Math.max(1, Math.ceil(batchSize / lanes.length));
    const { rows } = await client.query<OutboxRow>(claimRowsSql, [lanes, perLane]);
    if (rows.length > 0) {
      await publishRows(rows, options.producer, options.metrics);
      await client.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::uuid[])', [rows.map((row) => row.id)]);
    }
    await client.query('COMMIT');
    const perLaneCounts = new Map<number, number>();
    for (const row of rows) perLaneCounts.set(row.lane, (perLaneCounts.get(row.lane) ?? 0) + 1);
    return { published: rows.length, more: [...perLaneCounts.values()].some((count) => count >= perLane) };
  } catch (error) {
    broken = error;
    await client.query('ROLLBACK').then(
      () => {
        broken = undefined;
      },
      () => undefined,
    );
    throw error;
  } finally {
    // A connection whose ROLLBACK failed is closed rather than handed back to the pool.
    client.release(broken === undefined ? undefined : toError(broken));
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
