import type { Queryable } from '@notes/postgres';
import { Gauge, type Registry } from 'prom-client';

/** An outbox table whose published rows are what the consumer groups must have processed. */
export interface PublishedEventsSource {
  /** Names it in the answer (the service that owns the table). */
  name: string;
  db: Queryable;
}

/** A consumer group, where it records what it processed, and which published events are its to process. */
export interface ConsumerGroupRecords {
  group: string;
  /** The database holding the group's processed_events rows. */
  db: Queryable;
  /** Per topic it reads, the event types it records (every type of the topic when 'every'). */
  processes: Readonly<Record<string, 'every' | readonly string[]>>;
}

export interface UnprocessedEvent {
  eventId: string;
  topic: string;
  type: string;
  aggregateId: string;
  /** When the relay had it acknowledged by Kafka. */
  sentAt: Date;
  /** The outbox it was published from. */
  source: string;
}

export interface DeliveryReconciliationOptions {
  sources: readonly PublishedEventsSource[];
  groups: readonly ConsumerGroupRecords[];
  /**
   * Only events published longer ago than this count (a consumer needs a moment). It must stay
   * below the outbox's retention of sent rows (1 h): older events are no longer there to compare.
   */
  publishedBeforeMs: number;
}

interface PublishedRow {
  id: string;
  topic: string;
  type: string;
  aggregate_id: string;
  sent_at: Date;
}

// Ids handed to one statement; the outbox keeps an hour of events, which can be many.
const chunkSize = 5_000;

/**
 * Delivery reconciliation (docs/contract/events.md, "Delivery can be proven"): per consumer group,
 * the events its outboxes published before publishedBeforeMs ago that are its to process and that
 * its processed_events does not hold. Empty lists in a healthy platform; an event named here was
 * skipped, is stuck behind a failing one, or its consumer is down.
 */
export async function findUnprocessedEvents(
  options: DeliveryReconciliationOptions,
): Promise<Map<string, UnprocessedEvent[]>> {
  const topicsRead = [...new Set(options.groups.flatMap((group) => Object.keys(group.processes)))];
  const published = (
    await Promise.all(
      options.sources.map(async (source) => {
        const { rows } = await source.db.query<PublishedRow>(
          `SELECT id, topic, type, aggregate_id, sent_at FROM outbox
           WHERE sent_at IS NOT NULL AND sent_at < now() - $1::double precision * interval '1 millisecond'
             AND topic = ANY($2::text[])
           ORDER BY sent_at`,
          [options.publishedBeforeMs, topicsRead],
        );
        return rows.map(
          (row): UnprocessedEvent => ({
            eventId: row.id,
            topic: row.topic,
            type: row.type,
            aggregateId: row.aggregate_id,
            sentAt: row.sent_at,
            source: source.name,
          }),
        );
      }),
    )
  ).flat();
  // In the order the groups were given, whichever database answers first.
  return new Map(
    await Promise.all(
      options.groups.map(async (group): Promise<[string, UnprocessedEvent[]]> => {
        const expected = published.filter((event) => isProcessedBy(group, event));
        const processed = await processedAmong(group, expected);
        return [group.group, expected.filter((event) => !processed.has(event.eventId))];
      }),
    ),
  );
}

function isProcessedBy(group: ConsumerGroupRecords, event: UnprocessedEvent): boolean {
  const types = group.processes[event.topic];
  return types === 'every' || (types?.includes(event.type) ?? false);
}

async function processedAmong(group: ConsumerGroupRecords, events: readonly UnprocessedEvent[]): Promise<Set<string>> {
  const processed = new Set<string>();
  for (let start = 0; start < events.length; start += chunkSize) {
    const ids = events.slice(start, start + chunkSize).map((event) => event.eventId);
    const { rows } = await group.db.query<{ event_id: string }>(
      'SELECT event_id FROM processed_events WHERE consumer_group = $1 AND event_id = ANY($2::uuid[])',
      [group.group, ids],
    );
    for (const row of rows) processed.add(row.event_id);
  }
  return processed;
}

export interface DeliveryReconciliationMetrics {
  /**
   * Counts again and sets the series. When a database does not answer it rejects with that error:
   * the counts keep their last values and delivery_reconciliation_failing says 1 until a count succeeds.
   */
  refresh(): Promise<void>;
}

/**
 * delivery_unprocessed_events{group} in registry: findUnprocessedEvents' count per group as of the
 * last refresh, and delivery_reconciliation_failing, 1 while the last refresh failed. Counting
 * scans an hour of events, so the caller refreshes on a schedule rather than at each scrape.
 */
export function createDeliveryReconciliationMetrics(
  registry: Registry,
  options: DeliveryReconciliationOptions,
): DeliveryReconciliationMetrics {
  const unprocessed = new Gauge({
    name: 'delivery_unprocessed_events',
    help: 'Events published longer ago than the reconciliation window that the consumer group has not processed.',
    labelNames: ['group'],
    registers: [registry],
  });
  const failing = new Gauge({
    name: 'delivery_reconciliation_failing',
    help: '1 while the last reconciliation failed (a database did not answer); the counts are then those of the last success.',
    registers: [registry],
  });
  return {
    async refresh() {
      try {
        for (const [group, events] of await findUnprocessedEvents(options)) unprocessed.set({ group }, events.length);
        failing.set(0);
      } catch (error) {
        failing.set(1);
        throw error;
      }
    },
  };
}
