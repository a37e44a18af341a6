import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createOutboxMetrics } from '../../src/index.ts';
import { commitEvents, noteUpdated, outboxSuite, relayUntilArrived, topic, uniquePrefix } from './helpers.ts';

const suite = outboxSuite('metrics');
/** A series of a family (a histogram's `${family}_count`, ...) with these labels; NaN when it has none. */
async function seriesValue(
  registry: Registry,
  family: string,
  labels: Record<string, string> = {},
  series = family,
): Promise<number> {
  const metric = await registry.getSingleMetric(family)?.get();
  const sample = metric?.values.find(
    (value) =>
      ((value as { metricName?: string }).metricName ?? family) === series &&
      Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
  );
  return sample?.value ?? Number.NaN;
}

test('the backlog gauges count the unsent rows at each scrape; the relay reports what it published and how fast', {
  timeout: 60_000,
}, async () => {
  const registry = new Registry();
  const metrics = createOutboxMetrics(registry, suite.db.pool);
  assert.equal(await seriesValue(registry, 'outbox_unsent_events'), 0);
  assert.equal(await seriesValue(registry, 'outbox_oldest_unsent_age_seconds'), 0);

  const prefix = uniquePrefix('metrics');
  const events = [noteUpdated(`${prefix}a`, 1), noteUpdated(`${prefix}a`, 2), noteUpdated(`${prefix}b`, 1)];
  await commitEvents(suite.db.pool, events);
  assert.equal(await seriesValue(registry, 'outbox_unsent_events'), 3);
  assert.ok((await seriesValue(registry, 'outbox_oldest_unsent_age_seconds')) >= 0);

  const collector = await suite.collect(prefix);
  const relay = suite.relay({ metrics });
  await relayUntilArrived(
    relay,
    collector,
    events.map((event) => event.eventId),
    30_000,
  );
  assert.equal(await seriesValue(registry, 'outbox_events_published_total', { topic }), 3);
  const duration = 'outbox_publish_duration_seconds';
  assert.ok((await seriesValue(registry, duration, { topic }, `${duration}_count`)) >= 1, 'produce calls timed');
  assert.ok((await seriesValue(registry, duration, { topic }, `${duration}_sum`)) > 0);
  const delay = 'outbox_publish_delay_seconds';
  assert.equal(await seriesValue(registry, delay, { topic }, `${delay}_count`), 3, 'one delay per event');
  assert.equal(await seriesValue(registry, 'outbox_batch_failures_total'), 0);
  assert.equal(await seriesValue(registry, 'outbox_unsent_events'), 0);
  assert.equal(await seriesValue(registry, 'outbox_oldest_unsent_age_seconds'), 0);
});

test('a batch Kafka refuses counts as a failure, and its rows stay in the backlog', { timeout: 60_000 }, async () => {
  const registry = new Registry();
  const refusing = { publish: () => Promise.reject(new Error('the broker is away')) };
  const relay = suite.relay({
    producer: refusing,
    metrics: createOutboxMetrics(registry, suite.db.pool),
    backoff: { initialMs: 10, maxMs: 20 },
  });
  const prefix = uniquePrefix('refused');
  await commitEvents(suite.db.pool, [noteUpdated(`${prefix}a`, 1)]);
  await relay.start();
  try {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      if ((await seriesValue(registry, 'outbox_batch_failures_total')) >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await relay.stop();
  }
  assert.ok((await seriesValue(registry, 'outbox_batch_failures_total')) >= 2);
  assert.equal(await seriesValue(registry, 'outbox_unsent_events'), 1);
  assert.ok(Number.isNaN(await seriesValue(registry, 'outbox_events_published_total', { topic })));
});
