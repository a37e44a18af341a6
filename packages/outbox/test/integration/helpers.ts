// Shared by the outbox's integration tests: a fresh database with the outbox migrated, events of
// the contract, and a consumer (a fresh group from the earliest offset) that keeps the messages
// whose key starts with the test's own prefix, since the topics are shared.
import { randomUUID } from 'node:crypto';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type EventEnvelope, NoteUpdatedSchema } from '@notes/contracts/common/v1';
import { decodeEnvelope, type Event } from '@notes/kafka';
import { createLogger, type Logger } from '@notes/logger';
import { createPool, migrate, type Pool, withTransaction } from '@notes/postgres';
import { createTestDatabase } from '@notes/testkit';
import { Consumer, stringDeserializer } from '@platformatic/kafka';
import { appendToOutbox, outboxMigrations } from '../../src/index.ts';

export const topic = 'notes.events';

export interface OutboxDatabase {
  url: string;
  pool: Pool;
  close(): Promise<void>;
}

export async function outboxDatabase(prefix: string, maxConnections = 10): Promise<OutboxDatabase> {
  const database = await createTestDatabase(prefix);
  const pool = createPool({ dsn: database.url, maxConnections, applicationName: prefix });
  pool.on('error', () => undefined);
  await migrate({ pool, direction: 'up', ...outboxMigrations });
  return {
    url: database.url,
    pool,
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}

export function quietLogger(): Logger {
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
    type: 'notes.NoteUpdated',
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
  await withTransaction(pool, (tx) => appendToOutbox(tx, topic, events));
}

export interface Received {
  key: string;
  partition: number;
  offset: bigint;
  headers: Map<string, string>;
  envelope: EventEnvelope;
}

export interface Collector {
  received: Received[];
  /** Resolves once done(received) holds; rejects after timeoutMs with what arrived so far. */
  waitFor(done: (received: Received[]) => boolean, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Consumes topic from the earliest offset in a consumer group of its own, keeping the keys that start with prefix. */
export async function collect(brokers: string, keyPrefix: string): Promise<Collector> {
  const consumer = new Consumer<string, Buffer, string, string>({
    clientId: 'outbox-test',
    groupId: `outbox-test-${randomUUID()}`,
    bootstrapBrokers: brokers.split(','),
    deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    maxWaitTime: 200,
    // The broker of the Kafka-down test goes away for a while: keep trying.
    retries: 1_000,
    retryDelay: 500,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  const received: Received[] = [];
  let check: (() => void) | undefined;
  let failure: Error | undefined;
  stream.on('data', (message) => {
    if (!message.key?.startsWith(keyPrefix)) return;
    received.push({
      key: message.key,
      partition: message.partition,
      offset: message.offset,
      headers: message.headers,
      envelope: decodeEnvelope(message.value),
    });
    check?.();
  });
  stream.on('error', (error) => {
    failure = error;
    check?.();
  });
  return {
    received,
    waitFor(done, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          check = undefined;
          reject(new Error(`timed out with ${received.length} messages received`));
        }, timeoutMs);
        check = () => {
          if (failure !== undefined) {
            clearTimeout(timer);
            check = undefined;
            reject(failure);
          } else if (done(received)) {
            clearTimeout(timer);
            check = undefined;
            resolve();
          }
        };
        check();
      });
    },
    async close() {
      await stream.close().catch(() => undefined);
      await consumer.close(true).catch(() => undefined);
    },
  };
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
