import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { eventTypes, topics } from '@notes/contracts/names';
import { freePort } from '@notes/local-infra';
import { testKafkaBrokers } from '@notes/testkit';
import { Consumer, stringDeserializer } from '@platformatic/kafka';
import { decodeEnvelope, type Event } from '../../src/envelope.ts';
import { createEventProducer } from '../../src/producer.ts';

function event(aggregateId: string, n: number, extra: Partial<Event> = {}): Event {
  return {
    eventId: randomUUID(),
    aggregateId,
    type: eventTypes.NoteDeleted,
    occurredAt: new Date(1_700_000_000_000 + n),
    payload: new Uint8Array([n]),
    ...extra,
  };
}

interface Received {
  key: string;
  partition: number;
  headers: Map<string, string>;
  value: Buffer;
}

/** The first count messages of saga.replies whose key starts with prefix, from the earliest offset, in a group of its own. */
async function consumeOwn(prefix: string, count: number): Promise<Received[]> {
  const consumer = new Consumer<string, Buffer, string, string>({
    clientId: 'producer-test',
    groupId: `producer-test-${randomUUID()}`,
    bootstrapBrokers: testKafkaBrokers().split(','),
    deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    maxWaitTime: 200,
  });
  try {
    const stream = await consumer.consume({ topics: [topics.sagaReplies], mode: 'earliest', autocommit: false });
    const received: Received[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('data', (message) => {
        if (!message.key.startsWith(prefix)) return;
        received.push(message);
        if (received.length === count) resolve();
      });
    });
    await stream.close();
    return received;
  } finally {
    await consumer.close(true);
  }
}

test('publish sends a batch with key = aggregate id, the binary envelope and the contract headers, in order', {
  timeout: 60_000,
}, async () => {
  const prefix = `producer-${randomUUID().slice(0, 8)}-`;
  const traceHeaders = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
  const events = [
    event(`${prefix}a`, 1, { correlationId: 'saga-1', traceHeaders }),
    event(`${prefix}b`, 2),
    event(`${prefix}a`, 3),
    event(`${prefix}a`, 4),
  ];
  const producer = createEventProducer({ brokers: testKafkaBrokers(), clientId: 'producer-test' });
  try {
    await producer.publish(topics.sagaReplies, events);
    await producer.publish(topics.sagaReplies, []);
  } finally {
    await producer.close();
  }

  const received = await consumeOwn(prefix, events.length);
  assert.deepEqual(
    received.filter((m) => m.key === `${prefix}a`).map((m) => decodeEnvelope(m.value).payload[0]),
    [1, 3, 4],
    'one aggregate: one partition, in order',
  );
  assert.equal(new Set(received.filter((m) => m.key === `${prefix}a`).map((m) => m.partition)).size, 1);
  for (const sent of events) {
    const message = received.find((m) => decodeEnvelope(m.value).eventId === sent.eventId);
    assert.ok(message);
    assert.equal(message.key, sent.aggregateId);
    const envelope = decodeEnvelope(message.value);
    assert.equal(envelope.aggregateId, sent.aggregateId);
    assert.equal(envelope.type, sent.type);
    assert.equal(envelope.occurredAt, BigInt(sent.occurredAt.getTime()));
    assert.equal(envelope.correlationId, sent.correlationId ?? '');
    const headers: Record<string, string> = { event_id: sent.eventId, type: sent.type };
    if (sent.correlationId) headers.correlation_id = sent.correlationId;
    Object.assign(headers, sent.traceHeaders);
    assert.deepEqual(Object.fromEntries(message.headers), headers);
  }
});

test('concurrent publish calls reach the partition in the order they were made', { timeout: 60_000 }, async () => {
  const prefix = `producer-${randomUUID().slice(0, 8)}-`;
  const producer = createEventProducer({ brokers: testKafkaBrokers(), clientId: 'producer-test' });
  try {
    await Promise.all(
      Array.from({ length: 30 }, (_, n) => producer.publish(topics.sagaReplies, [event(`${prefix}a`, n)])),
    );
  } finally {
    await producer.close();
  }
  const received = await consumeOwn(prefix, 30);
  assert.deepEqual(
    received.map((m) => decodeEnvelope(m.value).payload[0]),
    Array.from({ length: 30 }, (_, n) => n),
  );
});

test('publish throws when no broker takes the events', { timeout: 30_000 }, async () => {
  const producer = createEventProducer({
    brokers: `127.0.0.1:${await freePort()}`,
    clientId: 'producer-test',
    retryDelayMs: 50,
  });
  try {
    await assert.rejects(producer.publish(topics.notesEvents, [event('nobody', 1)]));
  } finally {
    await producer.close();
  }
});
