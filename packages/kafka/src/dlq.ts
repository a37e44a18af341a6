import { topics } from '@notes/contracts/names';
import { type Message, ProduceAcks, Producer } from '@platformatic/kafka';
import type { KafkaConnection } from './connection.ts';

/**
 * A Kafka record as bytes, kept as it was read: the dead-letter queue and its replay move records
 * without decoding them, so a record nobody can decode survives the trip unchanged.
 * Headers are a list, not a map: Kafka allows a key more than once and the order is kept.
 */
export interface RawRecord {
  key: Buffer | undefined;
  value: Buffer | undefined;
  headers: RawHeader[];
}

export type RawHeader = [name: string, value: Buffer];

/** The headers a dead letter carries besides the original ones (docs/contract/events.md). */
export const dlqHeaders = {
  sourceTopic: 'dlq.source_topic',
  sourcePartition: 'dlq.source_partition',
  sourceOffset: 'dlq.source_offset',
  consumerGroup: 'dlq.consumer_group',
  error: 'dlq.error',
  attempts: 'dlq.attempts',
  failedAt: 'dlq.failed_at',
  /** Added by the replay to the record it puts back on the source topic: the dead letter's offset in dlq. */
  replayedFromOffset: 'dlq.replayed_from_offset',
  /** Added by the replay next to replayedFromOffset: the dead letter's partition in dlq. */
  replayedFromPartition: 'dlq.replayed_from_partition',
} as const;

/** dlq.error never carries more than this many characters of the error message (and never a stack). */
export const maxDlqErrorLength = 500;

/** A record as read from a topic partition. */
export interface ConsumedRecord extends RawRecord {
  topic: string;
  partition: number;
  offset: bigint;
}

/** A consumed message (Buffers: the default deserializers) as a ConsumedRecord. */
export function consumedRecord(message: Message<Buffer, Buffer, Buffer, Buffer>): ConsumedRecord {
  const headers: RawHeader[] = [];
  for (const [name, value] of message.headerEntries) {
    // A null header key or value comes through as undefined.
    if (name === undefined || name === null) continue;
    headers.push([name.toString('utf8'), value ?? Buffer.alloc(0)]);
  }
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key ?? undefined,
    value: message.value ?? undefined,
    headers,
  };
}

export interface DeadLetterFailure {
  consumerGroup: string;
  error: unknown;
  /** How many times the handler ran (0: the value could not be decoded, so it never ran). */
  attempts: number;
  failedAt: Date;
}

/**
 * The dead letter of a record: the original key, value and headers, plus the dlq.* headers that
 * say where it came from and why it failed. dlq.* headers the original already had (a replayed
 * record that failed again) are replaced rather than repeated; dlq.replayed_from_* are kept.
 */
export function deadLetterRecord(source: ConsumedRecord, failure: DeadLetterFailure): RawRecord {
  const replaced = new Set<string>([
    dlqHeaders.sourceTopic,
    dlqHeaders.sourcePartition,
    dlqHeaders.sourceOffset,
    dlqHeaders.consumerGroup,
    dlqHeaders.error,
    dlqHeaders.attempts,
    dlqHeaders.failedAt,
  ]);
  const headers: RawHeader[] = source.headers.filter(([name]) => !replaced.has(name));
  const added: [string, string][] = [
    [dlqHeaders.sourceTopic, source.topic],
    [dlqHeaders.sourcePartition, String(source.partition)],
    [dlqHeaders.sourceOffset, source.offset.toString()],
    [dlqHeaders.consumerGroup, failure.consumerGroup],
    [dlqHeaders.error, errorMessage(failure.error)],
    [dlqHeaders.attempts, String(failure.attempts)],
    [dlqHeaders.failedAt, failure.failedAt.toISOString()],
  ];
  for (const [name, value] of added) headers.push([name, Buffer.from(value, 'utf8')]);
  return { key: source.key, value: source.value, headers };
}

/** The message of an error (never its stack or cause), on one line, at most maxDlqErrorLength characters. */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : safeString(error);
  const oneLine = text.replace(/\s*[\r\n]+\s*/g, ' ').trim() || (error instanceof Error ? error.name : 'unknown error');
  return oneLine.length <= maxDlqErrorLength ? oneLine : `${oneLine.slice(0, maxDlqErrorLength - 1)}…`;
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return 'unprintable error';
  }
}

/** What a dead letter's dlq.* headers say; undefined where a header is missing or malformed. */
export interface DeadLetterInfo {
  sourceTopic: string | undefined;
  sourcePartition: number | undefined;
  sourceOffset: bigint | undefined;
  consumerGroup: string | undefined;
  error: string | undefined;
  attempts: number | undefined;
  failedAt: Date | undefined;
}

export function readDeadLetterHeaders(headers: readonly RawHeader[]): DeadLetterInfo {
  const text = (name: string): string | undefined => {
    // The last one wins, as deadLetterRecord appends its headers after the original ones.
    const found = headers.findLast(([key]) => key === name);
    return found === undefined ? undefined : found[1].toString('utf8');
  };
  const integer = (name: string): string | undefined => {
    const value = text(name);
    return value !== undefined && /^\d+$/.test(value) ? value : undefined;
  };
  const partition = integer(dlqHeaders.sourcePartition);
  const offset = integer(dlqHeaders.sourceOffset);
  const attempts = integer(dlqHeaders.attempts);
  const failedAtText = text(dlqHeaders.failedAt);
  const failedAt = failedAtText === undefined ? undefined : new Date(failedAtText);
  return {
    sourceTopic: text(dlqHeaders.sourceTopic) || undefined,
    sourcePartition: partition === undefined ? undefined : Number(partition),
    sourceOffset: offset === undefined ? undefined : BigInt(offset),
    consumerGroup: text(dlqHeaders.consumerGroup),
    error: text(dlqHeaders.error),
    attempts: attempts === undefined ? undefined : Number(attempts),
    failedAt: failedAt === undefined || Number.isNaN(failedAt.getTime()) ? undefined : failedAt,
  };
}

/**
 * The record the replay puts back on the source topic: the original key, value and headers, without
 * any dlq.* header, plus dlq.replayed_from_offset and dlq.replayed_from_partition (where the dead
 * letter sits in dlq), so a consumer and an operator can tell a replay from the first delivery.
 */
export function replayRecord(deadLetter: RawRecord, from: { partition: number; offset: bigint }): RawRecord {
  const headers: RawHeader[] = deadLetter.headers.filter(([name]) => !name.startsWith('dlq.'));
  headers.push([dlqHeaders.replayedFromOffset, Buffer.from(from.offset.toString(), 'utf8')]);
  headers.push([dlqHeaders.replayedFromPartition, Buffer.from(String(from.partition), 'utf8')]);
  return { key: deadLetter.key, value: deadLetter.value, headers };
}

/** What the consumer hands its dead letters to: createDeadLetterPublisher(), or a fake in tests. */
export interface DeadLetterSender {
  /** Resolves once the broker has the record (acks from all in-sync replicas). */
  send(record: RawRecord): Promise<void>;
}

export interface DeadLetterPublisher extends DeadLetterSender {
  close(): Promise<void>;
}

export interface RawPublisherOptions {
  /** "host:port" bootstrap brokers, as a list or comma-separated. */
  brokers: string | readonly string[];
  /** TLS and SASL towards the brokers (kafkaConnection of the service's settings); none by default. */
  connection?: KafkaConnection;
  clientId: string;
}

/** Publishes raw records to any topic: an idempotent producer, acks from all in-sync replicas. */
export interface RawPublisher {
  send(topic: string, record: RawRecord): Promise<{ partition: number; offset: bigint } | undefined>;
  close(): Promise<void>;
}

export function createRawPublisher(options: RawPublisherOptions): RawPublisher {
  // Buffers in, Buffers out: the default serializers pass them through untouched.
  const producer = new Producer({
    clientId: options.clientId,
    bootstrapBrokers: brokerList(options.brokers),
    ...options.connection,
    idempotent: true,
    acks: ProduceAcks.ALL,
    // A few quick retries inside the client, then send() rejects: the caller owns the longer
    // backoff (the consumer retries a dead letter until it is written or the consumer stops).
    // Retries ≤ 1 would mean "forever" to the client for an idempotent producer. After a failed
    // send the client starts a new producer id, so the next send is not refused as out of sequence.
    retries: 3,
    retryDelay: 250,
    autocreateTopics: false,
  });
  return {
    async send(topic, record) {
      const result = await producer.send({
        messages: [
          {
            topic,
            key: record.key,
            value: record.value,
            // Distinct Buffer keys: a header name the original had twice is sent twice.
            headers: new Map(record.headers.map(([name, value]) => [Buffer.from(name, 'utf8'), value])),
          },
        ],
      });
      const written = result.offsets?.[0];
      return written === undefined ? undefined : { partition: written.partition, offset: written.offset };
    },
    close: () => producer.close(),
  };
}

export interface DeadLetterPublisherOptions extends RawPublisherOptions {
  /** The dead-letter topic; `dlq` by default. */
  topic?: string;
}

/**
 * The dead-letter queue's publisher. A plain producer of raw records, kept apart from the event
 * producer (which encodes envelopes): a dead letter is re-published byte for byte, and its key
 * (the aggregate id) puts the dead letters of one aggregate in one dlq partition, in order.
 * One publisher can serve every consumer of a service; close it after stopping them.
 */
export function createDeadLetterPublisher(options: DeadLetterPublisherOptions): DeadLetterPublisher {
  const publisher = createRawPublisher(options);
  const topic = options.topic ?? topics.deadLetters;
  return {
    async send(record) {
      await publisher.send(topic, record);
    },
    close: () => publisher.close(),
  };
}

/** "a:1,b:2" or ["a:1", "b:2"] → ["a:1", "b:2"]. */
export function brokerList(brokers: string | readonly string[]): string[] {
  const list = (typeof brokers === 'string' ? brokers.split(',') : [...brokers])
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (list.length === 0) throw new Error('no Kafka brokers given');
  return list;
}
