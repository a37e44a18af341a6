import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Admin, Consumer, type Message, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { freePorts, type LocalKafka, type LocalKafkaOptions, startLocalKafka } from '../../src/index.ts';

// Any names: the broker knows nothing of the platform's topics (@notes/contracts/names).
const topics = ['events.one', 'events.two', 'commands', 'replies', 'dead-letters'].map((name) => ({
  name,
  partitions: name === 'dead-letters' ? 1 : 3,
}));

let scratch: string;
let options: LocalKafkaOptions;
let kafka: LocalKafka | undefined;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'kafka-test-'));
  const [port, controllerPort] = (await freePorts(2)) as [number, number];
  options = { dataDir: join(scratch, 'kafka'), port, controllerPort, topics };
  kafka = await startLocalKafka(options);
});

after(async () => {
  await kafka?.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** The first message of topic from the beginning, read by a consumer group of its own. */
async function firstMessage(brokers: string, topic: string): Promise<Message<string, string, string, string>> {
  const consumer = new Consumer({
    clientId: 'kafka-test',
    groupId: `kafka-test-${randomUUID()}`,
    bootstrapBrokers: [brokers],
    deserializers: stringDeserializers,
  });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const [message] = await once(stream, 'data');
    await stream.close();
    return message;
  } finally {
    await consumer.close(true);
  }
}

async function partitionCounts(brokers: string): Promise<Record<string, number | undefined>> {
  const admin = new Admin({ clientId: 'kafka-test', bootstrapBrokers: [brokers] });
  try {
    const metadata = await admin.metadata({ topics: topics.map(({ name }) => name) });
    return Object.fromEntries(topics.map(({ name }) => [name, metadata.topics.get(name)?.partitionsCount]));
  } finally {
    await admin.close();
  }
}

const declared = Object.fromEntries(topics.map(({ name, partitions }) => [name, partitions]));

test('the broker starts with the declared topics', { timeout: 60_000 }, async () => {
  assert.ok(kafka);
  assert.equal(kafka.brokers, `127.0.0.1:${options.port}`);
  assert.deepEqual(await partitionCounts(kafka.brokers), declared);
});

test('a produced message is consumed, and again after a restart on the same data', { timeout: 120_000 }, async () => {
  assert.ok(kafka);
  const producer = new Producer({
    clientId: 'kafka-test',
    bootstrapBrokers: [kafka.brokers],
    serializers: stringSerializers,
  });
  const value = JSON.stringify({ noteId: randomUUID() });
  try {
    await producer.send({ messages: [{ topic: 'events.one', key: 'note-1', value }] });
  } finally {
    await producer.close();
  }
  const first = await firstMessage(kafka.brokers, 'events.one');
  assert.deepEqual([first.key, first.value, first.offset], ['note-1', value, 0n]);

  await kafka.stop();
  kafka = undefined;
  // The same options again: the storage is already formatted and the topics exist.
  kafka = await startLocalKafka(options);
  assert.deepEqual(await partitionCounts(kafka.brokers), declared);
  const again = await firstMessage(kafka.brokers, 'events.one');
  assert.deepEqual([again.key, again.value, again.offset], ['note-1', value, 0n]);
});

test("a group's committed offsets, by partition: none before it commits, then what it committed", {
  timeout: 60_000,
}, async () => {
  assert.ok(kafka);
  const group = `kafka-test-${randomUUID()}`;
  assert.deepEqual(await kafka.committedOffsets(group, 'commands'), new Map());
  const admin = new Admin({ clientId: 'kafka-test', bootstrapBrokers: [kafka.brokers] });
  try {
    await admin.alterConsumerGroupOffsets({
      groupId: group,
      topics: [{ name: 'commands', partitionOffsets: [{ partition: 1, offset: 3n }] }],
    });
  } finally {
    await admin.close();
  }
  assert.deepEqual(await kafka.committedOffsets(group, 'commands'), new Map([[1, 3n]]));
});
