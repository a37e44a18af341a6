// Shared by the outbox's integration tests: a fresh database with the outbox migrated, events of
// the contract, and a consumer (a fresh group from the earliest offset) that keeps the messages
// whose key starts with the test's own prefix, since the topics are shared.

import { randomUUID } from 'node:crypto';
import { before } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { NoteUpdatedSchema } from '@notes/contracts/common/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import { createEventProducer, type Event, type EventProducer } from '@notes/kafka';
import { createLogger, type Logger } from '@notes/logger';
import { createPool, migrate, type Pool, withTransaction } from '@notes/postgres';
import {
  collectEvents,
  type EventCollector,
  type ReceivedEvent,
  type TestFixture,
  testFixture,
  testKafkaBrokers,
} from '@notes/testkit';
import {
  appendToOutbox,
  createOutboxRelay,
  type OutboxRelay,
  type OutboxRelayOptions,
  outboxMigrations,
} from '../../src/index.ts';

export const topic = topics.notesEvents;

export interface OutboxDatabase {
  url: string;
  pool: Pool;
}

/** A fresh database with the outbox migrated and a pool on it, both closed after the tests of fixture. */
async function outboxDatabase(fixture: TestFixture, prefix: string, maxConnections = 10): Promise<OutboxDatabase> {
  const database = await fixture.database(prefix);
  const pool = fixture.closeAfter(
    createPool({ dsn: database.url, maxConnections, applicationName: prefix }),
    (opened) => opened.end(),
  );
  pool.on('error', () => undefined);
  await migrate({ pool, direction: 'up', ...outboxMigrations });
  return { url: database.url, pool };
}

/** What the tests of a file share, closed after them. */
export interface OutboxSuite {
  fixture: TestFixture;
  /** A fresh database with the outbox migrated, from the file's before() on. */
  readonly db: OutboxDatabase;
  /** A producer to the test broker, opened on first use. */
  readonly producer: EventProducer;
  /** The messages of the topic whose key starts with keyPrefix, from the earliest offset (collect). */
  collect(keyPrefix: string): Promise<Collector>;
  /** A relay (not started) on the suite's database, to its producer unless options name another, logging quietly. */
  relay(options?: Partial<OutboxRelayOptions>): OutboxRelay;
}

/** The set-up of a test file: call it at the top level; name tells its database and producer apart. */
export function outboxSuite(name: string, options: { maxConnections?: number } = {}): OutboxSuite {
  const fixture = testFixture();
  let db: OutboxDatabase | undefined;
  let producer: EventProducer | undefined;
  before(async () => {
    db = await outboxDatabase(fixture, `outbox_${name.replaceAll('-', '_')}`, options.maxConnections);
  });
  const suite: OutboxSuite = {
    fixture,
    get db() {
      if (db === undefined) throw new Error('the database opens in before()');
      return db;
    },
    get producer() {
      producer ??= testProducer(fixture, `outbox-${name}-test`);
      return producer;
    },
    collect: (keyPrefix) => fixture.collect(topic, (key) => key.startsWith(keyPrefix)),
    relay: (relayOptions = {}) =>
      createOutboxRelay({
        pool: suite.db.pool,
        logger: quietLogger(),
        ...relayOptions,
        producer: relayOptions.producer ?? suite.producer,
      }),
  };
  return suite;
}

/** Runs relay until every event of ids arrived at collector, then stops it (which waits for its last sent_at). */
export async function relayUntilArrived(
  relay: OutboxRelay,
  collector: Collector,
  ids: Iterable<string>,
  timeoutMs: number,
): Promise<void> {
  await relay.start();
  try {
    await collector.waitFor(allArrived(ids), timeoutMs);
  } finally {
    await relay.stop();
  }
}

/** A producer to the test broker, closed after the tests of fixture. */
export function testProducer(fixture: TestFixture, clientId: string): EventProducer {
  return fixture.closeAfter(createEventProducer({ brokers: testKafkaBrokers(), clientId }), (opened) => opened.close());
}

function quietLogger(): Logger {
  return createLogger({ service: 'outbox-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

/** A unique aggregate-id prefix per test: `${name}-<random>-`. */
export function uniquePrefix(name: string): string {
  return `${name}-${randomUUID().slice(0, 8)}-`;
}

/** A NoteUpdated of aggregateId whose version is n (1, 2, …: the order the test commits them in). */
export function noteUpdated(aggregateId: string, n: number, extra: Partial<Event> = {}): Event {
  return {
    eventId: randomUUID(),
    aggregateId,
    type: eventTypes.NoteUpdated,
    occurredAt: new Date(),
    payload: toBinary(
      NoteUpdatedSchema,
      create(NoteUpdatedSchema, { noteId: aggregateId, ownerId: 'outbox-test', version: BigInt(n) }),
    ),
    ...extra,
  };
}

/** Appends events in a transaction of their own (as a use case would, next to its business rows). */
export async function commitEvents(pool: Pool, events: Event[]): Promise<void> {
  await withTransaction(pool, async (tx) => appendToOutbox(tx, topic, events));
}

export type Received = ReceivedEvent;
export type Collector = EventCollector;

/** Consumes the topic from the earliest offset in a consumer group of its own, keeping the keys that start with prefix. */
export function collect(brokers: string, keyPrefix: string): Promise<Collector> {
  return collectEvents({ brokers, topic, keep: (key) => key.startsWith(keyPrefix) });
}

/** Every expected event id arrived at least once. */
export function allArrived(expected: Iterable<string>): (received: Received[]) => boolean {
  const wanted = new Set(expected);
  return (received) => {
    const seen = new Set(received.map((message) => message.envelope.eventId));
    for (const id of wanted) if (!seen.has(id)) return false;
    return true;
  };
}

/**
 * Per aggregate, the versions in the order of first arrival (a duplicate that arrives again
 * later is what at-least-once allows, and consumers skip it by event id).
 */
export function firstArrivalOrder(received: Received[]): Map<string, number[]> {
  const seen = new Set<string>();
  const order = new Map<string, number[]>();
  for (const message of received) {
    if (seen.has(message.envelope.eventId)) continue;
    seen.add(message.envelope.eventId);
    const versions = order.get(message.key) ?? [];
    versions.push(versionOf(message));
    order.set(message.key, versions);
  }
  return order;
}

/** The version of the NoteUpdated a message carries. */
export function versionOf(message: Received): number {
  return Number(fromBinary(NoteUpdatedSchema, message.envelope.payload).version);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
