import { join } from 'node:path';
import { type Pool, type Queryable, type Transaction, withTransaction } from '@notes/postgres';
import type { ConsumedEvent, EventHandler } from './consumed-event.ts';

/**
 * The processed_events table's migrations, with a bookkeeping table of their own so their versions
 * never collide with the service's: `migrate({ pool, direction, ...processedEventsMigrations })`.
 */
export const processedEventsMigrations: { readonly directory: string; readonly table: string } = {
  directory: join(import.meta.dirname, '..', 'migrations'),
  table: 'processed_events_migrations',
};

/**
 * Records that `group` handles `eventId`; true the first time, false when it was already recorded.
 * Call it inside the transaction of the handler's effects and run them only when it returns true:
 * the row and the effects then commit together or not at all. Two deliveries racing each other
 * are serialised by the primary key: the second waits for the first transaction and gets false.
 */
export async function handleOnce(tx: Queryable, group: string, eventId: string): Promise<boolean> {
  const result = await tx.query(
    'INSERT INTO processed_events (consumer_group, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [group, eventId],
  );
  return result.rowCount === 1;
}

export interface IdempotentHandlerOptions {
  /** The service's database, where processedEventsMigrations were applied. */
  pool: Pool;
  /** The consumer group the handler serves (normally the consumer's groupId). */
  group: string;
}

/** A handler's effects, run in the transaction that records the event as processed. */
export type TransactionalEffects = (event: ConsumedEvent, tx: Transaction) => Promise<void>;

/**
 * A consumer handler that runs `effects` exactly once per event id: in one transaction it records
 * the event in processed_events and runs the effects. A duplicate (redelivery, replay of an event
 * that did succeed, the same event published twice) commits nothing and is acknowledged; an effect
 * that throws rolls back the record too, so the retry starts clean.
 */
export function idempotentHandler(options: IdempotentHandlerOptions, effects: TransactionalEffects): EventHandler {
  return (event) =>
    withTransaction(options.pool, async (tx) => {
      if (await handleOnce(tx, options.group, event.eventId)) await effects(event, tx);
    });
}

/** How long a record is kept: see purgeProcessedEvents for the rule of the window. */
export const processedEventsWindowMs = 14 * 24 * 60 * 60 * 1000;

/**
 * Deletes processed_events rows older than olderThanMs, in batches (short transactions, no long
 * locks), and returns how many went. Run it periodically (createGrpcService does, hourly).
 *
 * The window must exceed the longest time after which an event can still be delivered again, or a
 * late duplicate would run its effects a second time. A record can be redelivered as long as Kafka
 * keeps it, so take the largest retention.ms of the topics consumed and of `dlq` (a dead letter of
 * an event that did succeed elsewhere may be replayed until then), plus a margin: with Kafka's
 * default retention of 7 days, 14 days is a sound window.
 */
export async function purgeProcessedEvents(db: Queryable, olderThanMs: number, batchSize = 10_000): Promise<number> {
  if (!Number.isFinite(olderThanMs) || olderThanMs <= 0) throw new Error('olderThanMs must be a positive duration');
  let deleted = 0;
  for (;;) {
    const result = await db.query(
      `DELETE FROM processed_events WHERE ctid = ANY (ARRAY(
         SELECT ctid FROM processed_events
         WHERE processed_at < now() - $1::double precision * interval '1 millisecond'
         LIMIT $2))`,
      [olderThanMs, batchSize],
    );
    deleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < batchSize) return deleted;
  }
}
