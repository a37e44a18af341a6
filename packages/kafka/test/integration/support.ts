// Shared by the integration tests. The topics are shared by every test file running at the same
// time, so each test uses aggregate ids, event ids and consumer groups of its own and looks only at
// its own messages.

import { randomUUID } from 'node:crypto';
import { before } from 'node:test';
import { topics } from '@notes/contracts/names';
import { createLogger } from '@notes/logger';
import { createPool, migrate, type Pool } from '@notes/postgres';
import { type TestFixture, testFixture, testKafkaBrokers } from '@notes/testkit';
import { Consumer, type Message, Producer } from '@platformatic/kafka';
import { startEventConsumer } from '../../src/consumer.ts';
import type { EventConsumer, EventConsumerOptions } from '../../src/consumer-options.ts';
import {
  createDeadLetterPublisher,
  type DeadLetterInfo,
  type DeadLetterPublisher,
  type RawHeader,
  readDeadLetterHeaders,
} from '../../src/dlq.ts';
import { type Event, encodeEvent } from '../../src/envelope.ts';
import { processedEventsMigrations } from '../../src/processed-events.ts';

/** Silent unless TEST_LOG_LEVEL says otherwise (e.g. TEST_LOG_LEVEL=debug to watch the consumers). */
export const logger = createLogger({ service: 'kafka-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function newEvent(aggregateId: string, overrides: Partial<Event> = {}): Event {
  return {
    eventId: randomUUID(),
    aggregateId,
    type: 'test.Happened',
    occurredAt: new Date(),
    payload: new Uint8Array(),
    ...overrides,
  };
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

export interface TestProducer {
  publish(topic: string, ...events: Event[]): Promise<void>;
  publishRaw(topic: string, record: { key: string; value: Buffer; headers?: Record<string, string> }): Promise<void>;
}

/** An idempotent producer of envelopes and raw records to the test broker, closed after the tests of fixture. */
export function createTestProducer(fixture: TestFixture): TestProducer {
  const producer = fixture.closeAfter(
    new Producer({ clientId: 'kafka-test', bootstrapBrokers: [testKafkaBrokers()], idempotent: true }),
    (opened) => opened.close(),
  );
  return {
    async publish(topic, ...events) {
      const messages = events.map((event) => {
        const record = encodeEvent(event);
        return {
          topic,
          key: Buffer.from(record.key),
          value: Buffer.from(record.value),
          headers: new Map([...record.headers].map(([name, value]) => [Buffer.from(name), Buffer.from(value)])),
        };
      });
      await producer.send({ messages });
    },
    async publishRaw(topic, record) {
      const headers = new Map(
        Object.entries(record.headers ?? {}).map(([name, value]) => [Buffer.from(name), Buffer.from(value)]),
      );
      await producer.send({ messages: [{ topic, key: Buffer.from(record.key), value: record.value, headers }] });
    },
  };
}

/** The dead-letter publisher the tests' consumers hand their dead letters to, closed after the tests of fixture. */
export function testDeadLetterPublisher(fixture: TestFixture): DeadLetterPublisher {
  return fixture.closeAfter(
    createDeadLetterPublisher({ brokers: testKafkaBrokers(), clientId: 'kafka-test' }),
    (opened) => opened.close(),
  );
}

/** Fast retries and group settings, so a test takes seconds; any option can be overridden. */
export function startTestConsumer(
  options: Pick<EventConsumerOptions, 'topics' | 'handler' | 'deadLetter'> & Partial<EventConsumerOptions>,
): EventConsumer {
  return startEventConsumer({
    brokers: testKafkaBrokers(),
    clientId: 'kafka-test',
    groupId: uniqueId('test-group'),
    logger,
    retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 40 },
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 300,
    rebalanceTimeoutMs: 10_000,
    maxWaitTimeMs: 300,
    ...options,
  });
}

/** Polls check until it returns something other than undefined/false; fails after timeoutMs naming what. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined && result !== false) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface DeadLetterSeen {
  partition: number;
  offset: bigint;
  key: string | undefined;
  value: Buffer | undefined;
  headers: RawHeader[];
  header(name: string): string | undefined;
  info: DeadLetterInfo;
}

export interface DlqWatcher {
  /** Every dead letter written since the broker started, in arrival order. */
  seen: DeadLetterSeen[];
}

/** Reads the dlq topic from the beginning, in a group of its own that never commits; stops after the tests of fixture. */
export async function watchDeadLetters(fixture: TestFixture): Promise<DlqWatcher> {
  const consumer = new Consumer({
    clientId: 'kafka-test-dlq',
    groupId: uniqueId('test-dlq-watcher'),
    bootstrapBrokers: [testKafkaBrokers()],
    maxWaitTime: 300,
  });
  const seen: DeadLetterSeen[] = [];
  const stream = await consumer.consume({ topics: [topics.deadLetters], mode: 'earliest', autocommit: false });
  stream.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
    const headers: RawHeader[] = message.headerEntries.map(([name, value]) => [name.toString('utf8'), value]);
    seen.push({
      partition: message.partition,
      offset: message.offset,
      key: message.key?.toString('utf8'),
      value: message.value ?? undefined,
      headers,
      header: (name) => headers.findLast(([key]) => key === name)?.[1].toString('utf8'),
      info: readDeadLetterHeaders(headers),
    });
  });
  fixture.closeAfter(consumer, async (opened) => {
    await stream.close();
    await opened.close(true);
  });
  return { seen };
}

export interface TestDb {
  pool: Pool;
}

/** A fresh database with processed_events and an effects table (one row per effect run), gone after the tests of fixture. */
export async function createTestDb(fixture: TestFixture, prefix: string): Promise<TestDb> {
  const database = await fixture.database(prefix);
  const pool = fixture.closeAfter(
    createPool({ dsn: database.url, maxConnections: 10, applicationName: 'kafka-test' }),
    (opened) => opened.end(),
  );
  await migrate({ pool, direction: 'up', ...processedEventsMigrations });
  await pool.query(`CREATE TABLE effects (
    seq bigserial PRIMARY KEY,
    event_id uuid NOT NULL,
    aggregate_id text NOT NULL,
    detail text
  )`);
  return { pool };
}

export async function effectCounts(pool: Pool, eventIds: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ event_id: string; n: number }>(
    'SELECT event_id, count(*)::int AS n FROM effects WHERE event_id = ANY($1::uuid[]) GROUP BY event_id',
    [eventIds],
  );
  return new Map(rows.map((row) => [row.event_id, row.n]));
}

/** What the tests of a file share, opened on first use or in the file's before(), closed after the tests. */
export interface KafkaSuite {
  fixture: TestFixture;
  readonly producer: TestProducer;
  readonly deadLetters: DeadLetterPublisher;
  /** With `watchDeadLetters`: the dead letters seen since the broker started. */
  readonly dlq: DlqWatcher;
  /** With `database`: processed_events and the effects table (createTestDb). */
  readonly db: TestDb;
  /** startTestConsumer on the file's topic, dead-lettering to deadLetters unless options say otherwise. */
  startConsumer(options: Pick<EventConsumerOptions, 'handler'> & Partial<EventConsumerOptions>): EventConsumer;
}

/** The set-up of a test file on topic: call it at the top level. */
export function kafkaSuite(topic: string, options: { database?: string; watchDeadLetters?: boolean } = {}): KafkaSuite {
  const fixture = testFixture();
  let producer: TestProducer | undefined;
  let deadLetters: DeadLetterPublisher | undefined;
  let dlq: DlqWatcher | undefined;
  let db: TestDb | undefined;
  before(async () => {
    if (options.database !== undefined) db = await createTestDb(fixture, options.database);
    if (options.watchDeadLetters === true) dlq = await watchDeadLetters(fixture);
  });
  const opened = <T>(resource: T | undefined, what: string): T => {
    if (resource === undefined) throw new Error(`${what} is not opened by this suite (see kafkaSuite's options)`);
    return resource;
  };
  const suite: KafkaSuite = {
    fixture,
    get producer() {
      producer ??= createTestProducer(fixture);
      return producer;
    },
    get deadLetters() {
      deadLetters ??= testDeadLetterPublisher(fixture);
      return deadLetters;
    },
    get dlq() {
      return opened(dlq, 'the dead-letter watcher');
    },
    get db() {
      return opened(db, 'the database');
    },
    startConsumer: (consumerOptions) =>
      startTestConsumer({
        topics: [topic],
        ...consumerOptions,
        deadLetter: consumerOptions.deadLetter ?? suite.deadLetters,
      }),
  };
  return suite;
}
