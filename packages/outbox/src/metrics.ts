import type { Queryable } from '@notes/postgres';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the relay reports; createOutboxMetrics writes it to a Prometheus registry. */
export interface OutboxRelayMetrics {
  /** One produce call of a batch succeeded: its events, and how long the call took. */
  published(topic: string, occurredAt: readonly Date[], seconds: number): void;
  /** A batch rolled back (its rows stay unsent and are retried). */
  batchFailed(): void;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

// Unsent rows are few while the relay keeps up (the partial index outbox_unsent_idx holds only them).
const backlogSql = `
  SELECT count(*)::int AS unsent, COALESCE(extract(epoch FROM now() - min(occurred_at)), 0)::float8 AS oldest
  FROM outbox WHERE sent_at IS NULL`;

/**
 * The outbox's series in `registry`: the backlog of `db`'s outbox table (outbox_unsent_events and
 * outbox_oldest_unsent_age_seconds, counted at each scrape) and what the relay does
 * (outbox_events_published_total, outbox_publish_duration_seconds, outbox_publish_delay_seconds,
 * outbox_batch_failures_total).
 */
export function createOutboxMetrics(registry: Registry, db: Queryable): OutboxRelayMetrics {
  // Both gauges are collected side by side at a scrape: they share one query while it runs. When the
  // database does not answer, they keep their last values (the scrape itself must not fail).
  let backlog: Promise<{ unsent: number; oldest: number } | undefined> | undefined;
  const readBacklog = () => {
    backlog ??= db
      .query<{ unsent: number; oldest: number }>(backlogSql)
      .then(
        ({ rows }) => rows[0] ?? { unsent: 0, oldest: 0 },
        () => undefined,
      )
      .finally(() => {
        backlog = undefined;
      });
    return backlog;
  };
  new Gauge({
    name: 'outbox_unsent_events',
    help: 'Events in the outbox not yet published to Kafka.',
    registers: [registry],
    async collect() {
      const answer = await readBacklog();
      if (answer !== undefined) this.set(answer.unsent);
    },
  });
  new Gauge({
    name: 'outbox_oldest_unsent_age_seconds',
    help: 'How long the oldest unpublished event of the outbox has waited (0 when none waits).',
    registers: [registry],
    async collect() {
      const answer = await readBacklog();
      if (answer !== undefined) this.set(answer.oldest);
    },
  });
  const published = new Counter({
    name: 'outbox_events_published_total',
    help: 'Outbox events published to Kafka (at least once: a batch retried after a failure counts again), by topic.',
    labelNames: ['topic'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'outbox_publish_duration_seconds',
    help: "How long the relay's produce calls took until Kafka acknowledged them, by topic.",
    labelNames: ['topic'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  const delay = new Histogram({
    name: 'outbox_publish_delay_seconds',
    help: 'From an event written to the outbox (its occurred_at) to its acknowledgement by Kafka, by topic.',
    labelNames: ['topic'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'outbox_batch_failures_total',
    help: 'Relay batches that failed and rolled back (their rows stay unsent and are retried).',
    registers: [registry],
  });
  return {
    published(topic, occurredAt, seconds) {
      published.inc({ topic }, occurredAt.length);
      duration.observe({ topic }, seconds);
      const now = Date.now();
      for (const at of occurredAt) delay.observe({ topic }, Math.max(0, (now - at.getTime()) / 1000));
    },
    batchFailed: () => failures.inc(),
  };
}
