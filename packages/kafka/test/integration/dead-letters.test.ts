import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topics } from '@notes/contracts/names';
import type { ConsumedEvent } from '../../src/consumed-event.ts';
import type { DeadLetterSender } from '../../src/dlq.ts';
import { encodeEvent } from '../../src/envelope.ts';
import { kafkaSuite, newEvent, uniqueId, waitFor } from './support.ts';

const topic = topics.sagaCommands;

const suite = kafkaSuite(topic, { watchDeadLetters: true });

test('a message that keeps failing is dead-lettered after the configured attempts, and its partition moves on', {
  timeout: 60_000,
}, async () => {
  const aggregateId = uniqueId('order');
  const poison = newEvent(aggregateId, { type: 'test.Poison', correlationId: uniqueId('saga') });
  const next = [newEvent(aggregateId), newEvent(aggregateId)];
  const groupId = uniqueId('test-always-fails');
  const calls: ConsumedEvent[] = [];
  const consumer = suite.startConsumer({
    groupId,
    startAt: 'latest',
    retry: { attempts: 4, initialDelayMs: 5, maxDelayMs: 20 },
    handler: async (event) => {
      if (event.aggregateId !== aggregateId) return;
      calls.push(event);
      if (event.eventId === poison.eventId) {
        const error = new Error(`cannot handle ${event.type}: ${'x'.repeat(3000)}`);
        error.stack = 'Error: secret stack\n    at handler (/srv/app.ts:1:1)';
        throw error;
      }
    },
  });
  try {
    await consumer.ready;
    await suite.producer.publish(topic, poison, ...next);

    // The same partition goes on with the next messages of the aggregate, in order.
    await waitFor('the messages after the failing one', () => calls.length >= 6);
    assert.deepEqual(
      calls.map((event) => [event.eventId, event.attempt]),
      [
        [poison.eventId, 1],
        [poison.eventId, 2],
        [poison.eventId, 3],
        [poison.eventId, 4],
        [next[0]?.eventId, 1],
        [next[1]?.eventId, 1],
      ],
    );
    const failed = calls[0];
    assert.ok(failed);
    assert.ok(calls.every((event) => event.partition === failed.partition));

    const deadLetter = await waitFor('the dead letter', () =>
      suite.dlq.seen.find((seen) => seen.info.consumerGroup === groupId && seen.header('event_id') === poison.eventId),
    );
    const original = encodeEvent(poison);
    assert.equal(deadLetter.key, aggregateId);
    assert.deepEqual(deadLetter.value, Buffer.from(original.value));
    assert.equal(deadLetter.header('type'), 'test.Poison');
    assert.equal(deadLetter.header('correlation_id'), poison.correlationId);
    assert.equal(deadLetter.header('dlq.source_topic'), topic);
    assert.equal(deadLetter.header('dlq.source_partition'), String(failed.partition));
    assert.equal(deadLetter.header('dlq.source_offset'), failed.offset.toString());
    assert.equal(deadLetter.header('dlq.consumer_group'), groupId);
    assert.equal(deadLetter.header('dlq.attempts'), '4');
    const error = deadLetter.header('dlq.error') ?? '';
    assert.match(error, /^cannot handle test\.Poison: x+…$/);
    assert.ok(error.length <= 500);
    assert.doesNotMatch(error, /secret stack|app\.ts/);
    const failedAt = deadLetter.header('dlq.failed_at') ?? '';
    assert.equal(new Date(failedAt).toISOString(), failedAt);
    assert.ok(Math.abs(Date.now() - Date.parse(failedAt)) < 60_000);
    // Dead-lettered once, and nothing else of this aggregate was.
    assert.equal(
      suite.dlq.seen.filter((seen) => seen.info.consumerGroup === groupId && seen.key === aggregateId).length,
      1,
    );
  } finally {
    await consumer.stop();
  }
});

test('an undecodable value is dead-lettered at once, without retries', { timeout: 60_000 }, async () => {
  const aggregateId = uniqueId('order');
  const groupId = uniqueId('test-undecodable');
  const garbage = Buffer.from(`not an EventEnvelope {${aggregateId}}`);
  const valid = newEvent(aggregateId);
  const handled: string[] = [];
  const consumer = suite.startConsumer({
    groupId,
    startAt: 'latest',
    // Long waits: a retry would show up as a slow test, and in dlq.attempts.
    retry: { attempts: 5, initialDelayMs: 5_000, maxDelayMs: 5_000 },
    handler: async (event) => {
      if (event.aggregateId === aggregateId) handled.push(event.eventId);
    },
  });
  try {
    await consumer.ready;
    await suite.producer.publishRaw(topic, { key: aggregateId, value: garbage, headers: { 'x-test': 'garbage' } });
    await suite.producer.publish(topic, valid);

    // In order on the partition: by the time the valid event is handled, the garbage was dead-lettered.
    await waitFor('the valid event after the garbage', () => handled.includes(valid.eventId));
    assert.deepEqual(handled, [valid.eventId]);
    const deadLetter = await waitFor('the dead letter', () =>
      suite.dlq.seen.find((seen) => seen.info.consumerGroup === groupId && seen.key === aggregateId),
    );
    assert.deepEqual(deadLetter.value, garbage);
    assert.equal(deadLetter.header('x-test'), 'garbage');
    assert.equal(deadLetter.header('dlq.attempts'), '0');
    assert.equal(deadLetter.header('dlq.source_topic'), topic);
    assert.match(deadLetter.header('dlq.error') ?? '', /not an EventEnvelope/);
    assert.equal(suite.dlq.seen.filter((seen) => seen.info.consumerGroup === groupId).length, 1);
  } finally {
    await consumer.stop();
  }
});

test('while dlq cannot be written, the dead letter is retried and the partition waits', {
  timeout: 60_000,
}, async () => {
  const aggregateId = uniqueId('order');
  const groupId = uniqueId('test-dlq-down');
  const poison = newEvent(aggregateId);
  const after = newEvent(aggregateId);
  const handled: string[] = [];
  let sendAttempts = 0;
  const flakyDlq: DeadLetterSender = {
    async send(record) {
      sendAttempts += 1;
      if (sendAttempts <= 2) throw new Error('dlq is unavailable');
      await suite.deadLetters.send(record);
    },
  };
  const consumer = suite.startConsumer({
    groupId,
    startAt: 'latest',
    deadLetter: flakyDlq,
    retry: { attempts: 2, initialDelayMs: 5, maxDelayMs: 20 },
    handler: async (event) => {
      if (event.aggregateId !== aggregateId) return;
      if (event.eventId === poison.eventId) throw new Error('poison');
      handled.push(event.eventId);
    },
  });
  try {
    await consumer.ready;
    await suite.producer.publish(topic, poison, after);
    await waitFor('the message after the poison', () => handled.includes(after.eventId));
    assert.equal(sendAttempts, 3, 'the event after it waited for the dead letter');
    await waitFor('the dead letter', () =>
      suite.dlq.seen.find((seen) => seen.info.consumerGroup === groupId && seen.header('event_id') === poison.eventId),
    );
  } finally {
    await consumer.stop();
  }
});
