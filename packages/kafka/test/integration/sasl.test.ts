// The security settings end to end with a real broker: the local Kafka with a SASL_PLAINTEXT
// listener (PLAIN), reached by the producer and the consumer with what kafkaConnection makes of
// the KAFKA_SASL_* settings. A broker of its own (the shared test broker has no SASL listener).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { topics } from '@notes/contracts/names';
import { freePorts, type LocalKafka, startLocalKafka } from '@notes/local-infra';
import { createLogger } from '@notes/logger';
import { kafkaConnectionFromEnv } from '../../src/connection.ts';
import { startEventConsumer } from '../../src/consumer.ts';
import { createDeadLetterPublisher } from '../../src/dlq.ts';
import { createEventProducer } from '../../src/producer.ts';

const topic = 'sasl.test';
const password = randomUUID();
let scratch: string;
let kafka: LocalKafka;
let saslBrokers: string;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'kafka-sasl-'));
  const [port, controllerPort, saslPort] = (await freePorts(3)) as [number, number, number];
  kafka = await startLocalKafka({
    dataDir: join(scratch, 'kafka'),
    port,
    controllerPort,
    topics: [
      { name: topic, partitions: 1 },
      { name: topics.deadLetters, partitions: 1 },
    ],
    saslPlain: { port: saslPort, users: { 'notes-service': password } },
  });
  saslBrokers = kafka.saslBrokers as string;
});

after(async () => {
  await kafka?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const sasl = (user: string, secret: string) =>
  kafkaConnectionFromEnv({ KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: user, KAFKA_SASL_PASSWORD: secret });

test('a producer and a consumer with the right SASL PLAIN credentials publish and read', {
  timeout: 60_000,
}, async () => {
  const connection = sasl('notes-service', password);
  const producer = createEventProducer({ brokers: saslBrokers, clientId: 'sasl-test', connection });
  const deadLetter = createDeadLetterPublisher({ brokers: saslBrokers, clientId: 'sasl-test', connection });
  const received: string[] = [];
  const gotIt = Promise.withResolvers<void>();
  const consumer = startEventConsumer({
    brokers: saslBrokers,
    connection,
    clientId: 'sasl-test',
    groupId: `sasl-test-${randomUUID()}`,
    topics: [topic],
    deadLetter,
    logger: createLogger({ service: 'sasl-test', level: 'silent' }),
    handler: async (event) => {
      received.push(event.eventId);
      gotIt.resolve();
    },
    maxWaitTimeMs: 200,
  });
  try {
    await consumer.ready;
    const eventId = randomUUID();
    await producer.publish(topic, [
      { eventId, aggregateId: randomUUID(), type: 'test.Sasl', occurredAt: new Date(), payload: new Uint8Array([1]) },
    ]);
    await gotIt.promise;
    assert.deepEqual(received, [eventId]);
  } finally {
    await consumer.stop();
    await producer.close();
    await deadLetter.close();
  }
});

test('the SASL listener refuses a wrong password and a client without SASL', { timeout: 60_000 }, async () => {
  for (const connection of [sasl('notes-service', 'not-the-password'), {}]) {
    const producer = createEventProducer({ brokers: saslBrokers, clientId: 'sasl-test', connection, timeoutMs: 3_000 });
    try {
      await assert.rejects(
        producer.publish(topic, [
          {
            eventId: randomUUID(),
            aggregateId: randomUUID(),
            type: 'test.Sasl',
            occurredAt: new Date(),
            payload: new Uint8Array(),
          },
        ]),
      );
    } finally {
      await producer.close();
    }
  }
});
