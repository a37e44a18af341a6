// Kafka goes away for ~20 s while the service keeps committing: nothing is lost. This test runs
// a broker of its own (free ports, a temporary folder), since it stops it.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createEventProducer } from '@notes/kafka';
import { freePorts, type LocalKafka, type LocalKafkaOptions, startLocalKafka } from '@notes/local-infra';
import { createOutboxNotifier } from '../../src/index.ts';
import {
  allArrived,
  collect,
  commitEvents,
  firstArrivalOrder,
  noteUpdated,
  outboxSuite,
  sleep,
  topic,
  uniquePrefix,
} from './helpers.ts';

const suite = outboxSuite('kafka-down');
let scratch: string;
let kafkaOptions: LocalKafkaOptions;
let kafka: LocalKafka | undefined;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'outbox-kafka-down-'));
  const [port, controllerPort] = (await freePorts(2)) as [number, number];
  kafkaOptions = { dataDir: join(scratch, 'kafka'), port, controllerPort, topics: [{ name: topic, partitions: 3 }] };
  kafka = await startLocalKafka(kafkaOptions);
});

after(async () => {
  await kafka?.stop();
  await rm(scratch, { recursive: true, force: true });
});

test('events committed while Kafka is down are all published once it is back', { timeout: 180_000 }, async () => {
  assert.ok(kafka);
  const brokers = kafka.brokers;
  const prefix = uniquePrefix('down');
  const aggregates = Array.from({ length: 20 }, (_, i) => `${prefix}${i}`);
  let version = 0;
  /** One round: every aggregate gets its next version, each in its own transaction. */
  const commitRound = async () => {
    version += 1;
    const events = aggregates.map((aggregateId) => noteUpdated(aggregateId, version));
    await Promise.all(events.map((event) => commitEvents(suite.db.pool, [event])));
    return events;
  };

  const producer = createEventProducer({ brokers, clientId: 'outbox-test-down' });
  // A short back-off cap, so the relay notices the broker's return soon.
  const relay = suite.relay({
    producer,
    pollIntervalMs: 200,
    backoff: { initialMs: 100, maxMs: 1_000 },
  });
  const notifier = createOutboxNotifier(suite.db.pool, { relay });
  await relay.start();
  const expected: string[] = [];
  try {
    // 200 events while Kafka is up, published.
    for (let round = 0; round < 10; round += 1) {
      expected.push(...(await commitRound()).map((event) => event.eventId));
      notifier.afterCommit();
    }
    const before = await collect(brokers, prefix);
    try {
      await before.waitFor(allArrived(expected), 60_000);
    } finally {
      await before.close();
    }

    await kafka.stop();
    kafka = undefined;
    // ~20 s down, the service still committing: 200 more events, in order per aggregate.
    const downSince = Date.now();
    for (let round = 0; round < 10; round += 1) {
      expected.push(...(await commitRound()).map((event) => event.eventId));
      notifier.afterCommit();
      await sleep(2_000);
    }
    const { rows } = await suite.db.pool.query<{ unsent: string }>(
      'SELECT count(*) AS unsent FROM outbox WHERE sent_at IS NULL',
    );
    assert.ok(Number(rows[0]?.unsent) >= 200, `events wait in the outbox while Kafka is down (${rows[0]?.unsent})`);
    assert.ok(Date.now() - downSince >= 19_000);

    kafka = await startLocalKafka(kafkaOptions);
    const collector = await collect(brokers, prefix);
    try {
      await collector.waitFor(allArrived(expected), 60_000);
      // Per aggregate, in commit order (duplicates of a retried batch allowed).
      for (const [aggregateId, versions] of firstArrivalOrder(collector.received)) {
        assert.deepEqual(
          versions,
          Array.from({ length: version }, (_, i) => i + 1),
          `order of ${aggregateId}`,
        );
      }
    } finally {
      await collector.close();
    }
  } finally {
    await relay.stop();
    await notifier.close();
    await producer.close();
  }
});
