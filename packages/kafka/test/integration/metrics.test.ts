import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { topics } from '@notes/contracts/names';
import { testKafkaBrokers } from '@notes/testkit';
import { Registry } from 'prom-client';
import { createKafkaMetrics } from '../../src/metrics.ts';
import { createEventProducer, type EventProducer } from '../../src/producer.ts';
import { kafkaSuite, newEvent, uniqueId, waitFor } from './support.ts';

const topic = topics.notesEvents;
const registry = new Registry();
const metrics = createKafkaMetrics(registry);
const suite = kafkaSuite(topic);
let producer: EventProducer;

before(() => {
  producer = suite.fixture.closeAfter(
    createEventProducer({ brokers: testKafkaBrokers(), clientId: 'kafka-metrics-test', metrics }),
    (opened) => opened.close(),
  );
});

/** The value of a series of the registry; 0 when it has none with these labels. */
async function seriesValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const sample = metric?.values.find((value) =>
    Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
  );
  return sample?.value ?? 0;
}

test('the producer counts what Kafka acknowledged and what it refused, by topic', { timeout: 60_000 }, async () => {
  const before = await seriesValue('kafka_messages_produced_total', { topic });
  await producer.publish(topic, [newEvent(uniqueId('note')), newEvent(uniqueId('note'))]);
  assert.equal(await seriesValue('kafka_messages_produced_total', { topic }), before + 2);

  const missing = uniqueId('no-such-topic');
  await assert.rejects(producer.publish(missing, [newEvent(uniqueId('note'))]));
  assert.equal(await seriesValue('kafka_produce_failures_total', { topic: missing }), 1);
  assert.equal(await seriesValue('kafka_messages_produced_total', { topic: missing }), 0);
});

test('the consumer counts messages, failed attempts and dead letters, and reports its lag', {
  timeout: 60_000,
}, async () => {
  const aggregateId = uniqueId('note');
  const [flaky, poison, fine] = [newEvent(aggregateId), newEvent(aggregateId), newEvent(aggregateId)];
  const group = uniqueId('test-metrics');
  const handled = new Set<string>();
  const consumer = suite.startConsumer({
    groupId: group,
    startAt: 'latest',
    metrics,
    retry: { attempts: 2, initialDelayMs: 5, maxDelayMs: 10 },
    handler: async (event) => {
      if (event.aggregateId !== aggregateId) return;
      if (event.eventId === poison.eventId) throw new Error('never handled');
      if (event.eventId === flaky.eventId && event.attempt === 1) throw new Error('handled on the second attempt');
      handled.add(event.eventId);
    },
  });
  try {
    await consumer.ready;
    await producer.publish(topic, [flaky, poison, fine]);
    await waitFor('the last message of the aggregate', () => handled.has(fine.eventId));

    // Other tests may publish to the topic meanwhile: this group consumes theirs too (without failing).
    assert.ok((await seriesValue('kafka_messages_consumed_total', { topic, group })) >= 3);
    assert.equal(await seriesValue('kafka_consume_failures_total', { topic, group }), 1 + 2);
    assert.equal(await seriesValue('kafka_dlq_messages_total', { topic, group }), 1);

    const lag = await waitFor('the lag of the group', async () => {
      const samples = (await registry.getSingleMetric('kafka_consumer_lag')?.get())?.values ?? [];
      const ours = samples.filter((sample) => sample.labels.group === group && sample.labels.topic === topic);
      return ours.length > 0 && ours;
    });
    assert.ok(lag.every((sample) => sample.value >= 0 && Number.isInteger(Number(sample.labels.partition))));
  } finally {
    await consumer.stop();
  }
  // A stopped consumer reports no lag any more.
  const after = (await registry.getSingleMetric('kafka_consumer_lag')?.get())?.values ?? [];
  assert.deepEqual(
    after.filter((sample) => sample.labels.group === group),
    [],
  );
});
