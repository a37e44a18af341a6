import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOutboxNotifier } from '../../src/index.ts';
import {
  allArrived,
  commitEvents,
  firstArrivalOrder,
  noteUpdated,
  outboxSuite,
  sleep,
  testProducer,
  uniquePrefix,
} from './helpers.ts';

const suite = outboxSuite('two-relays', { maxConnections: 16 });

test('two relays on one outbox lose nothing, publish each event once, and keep every aggregate in commit order', {
  timeout: 120_000,
}, async (t) => {
  const prefix = uniquePrefix('two');
  const collector = await suite.collect(prefix);
  const published = [0, 0];
  // Two relays as in two processes: each its own producer (its own producer id) and connections;
  // small batches, so that they take lanes from each other often.
  const relays = [0, 1].map((index) => {
    const producer = testProducer(suite.fixture, `outbox-test-relay-${index}`);
    return suite.relay({
      producer: {
        publish: async (topic, events) => {
          await producer.publish(topic, events);
          published[index] = (published[index] ?? 0) + events.length;
        },
      },
      batchSize: 16,
      pollIntervalMs: 100,
    });
  });
  // The writer runs no relay: both learn of commits through NOTIFY only.
  const notifier = createOutboxNotifier(suite.db.pool);
  await Promise.all(relays.map((relay) => relay.start()));
  const aggregates = Array.from({ length: 60 }, (_, i) => `${prefix}${i}`);
  const eventsPerAggregate = 8;
  const expected: string[] = [];
  try {
    // Each aggregate's events are committed one after another (version 1, 2, …), the aggregates
    // concurrently, so commits of different aggregates interleave and seq order differs from any
    // one aggregate's.
    await Promise.all(
      aggregates.map(async (aggregateId, index) => {
        for (let version = 1; version <= eventsPerAggregate; version += 1) {
          const event = noteUpdated(aggregateId, version);
          expected.push(event.eventId);
          await commitEvents(suite.db.pool, [event]);
          notifier.afterCommit();
          if ((index + version) % 3 === 0) await sleep(Math.floor(Math.random() * 5));
        }
      }),
    );
    await collector.waitFor(allArrived(expected), 60_000);
    t.diagnostic(`published by relay 0: ${published[0]}, by relay 1: ${published[1]}`);

    const ids = collector.received.map((message) => message.envelope.eventId);
    assert.equal(ids.length, expected.length, 'no event published twice');
    assert.equal(new Set(ids).size, expected.length);
    const order = firstArrivalOrder(collector.received);
    assert.equal(order.size, aggregates.length);
    for (const [aggregateId, versions] of order) {
      assert.deepEqual(
        versions,
        Array.from({ length: eventsPerAggregate }, (_, i) => i + 1),
        `order of ${aggregateId}`,
      );
    }
  } finally {
    await Promise.all(relays.map((relay) => relay.stop()));
    await notifier.close();
  }
});
