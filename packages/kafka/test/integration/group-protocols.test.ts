import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topics } from '@notes/contracts/names';
import { kafkaSuite, newEvent, startTestConsumer, uniqueId, waitFor } from './support.ts';

const topic = topics.sagaReplies;
const suite = kafkaSuite(topic);

for (const groupProtocol of ['classic', 'consumer'] as const) {
  test(`under the ${groupProtocol} protocol, a group starting at latest is ready once it reads, and gets what is published next`, {
    timeout: 30_000,
  }, async () => {
    // One message per partition (the keys spread them), so a partition read from the wrong position shows.
    const aggregateIds = Array.from({ length: 6 }, () => uniqueId('order'));
    const published = aggregateIds.map((aggregateId) => newEvent(aggregateId));
    const handled = new Set<string>();
    // The test consumers' settings include a rebalance timeout of 10 s, as a deployment may set one.
    const consumer = suite.startConsumer({
      groupId: uniqueId(`test-${groupProtocol}-latest`),
      groupProtocol,
      startAt: 'latest',
      handler: async (event) => {
        if (aggregateIds.includes(event.aggregateId)) handled.add(event.eventId);
      },
    });
    try {
      await consumer.ready;
      await suite.producer.publish(topic, ...published);
      await waitFor('every message published after ready', () => handled.size === published.length, 15_000);
      assert.deepEqual([...handled].sort(), published.map((event) => event.eventId).sort());
    } finally {
      await consumer.stop();
    }
  });
}

for (const groupProtocol of ['classic', 'consumer'] as const) {
  test(`under the ${groupProtocol} protocol, a member stopped while it joins a broker that is away stops, and the process goes on`, {
    timeout: 40_000,
  }, async () => {
    const crashes: unknown[] = [];
    const onCrash = (error: unknown) => crashes.push(error);
    process.on('uncaughtException', onCrash);
    try {
      // Nothing listens on the discard port: every connection is refused, the join never ends.
      const consumer = startTestConsumer({
        brokers: '127.0.0.1:9',
        topics: [topic],
        groupProtocol,
        handler: async () => undefined,
        deadLetter: { send: async () => undefined },
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await consumer.stop();
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      assert.deepEqual(crashes.map(String), []);
    } finally {
      process.off('uncaughtException', onCrash);
    }
  });
}
