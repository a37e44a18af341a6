// Replays dead letters: reads the dlq topic and re-publishes the chosen messages to the topic they
// came from (dlq.source_topic) with their original key, value and headers, so the consumers handle
// them again once the cause of the failure is fixed. Every consumer group of that topic sees the
// replay, not only the one that failed; the idempotent handlers of the others skip it.
//
// It reads dlq from the beginning (or from fromOffset in each partition, or in one partition only)
// up to the end it finds at start-up, as a throwaway consumer group that never commits, and prints
// one line per chosen message. The command line over it is bin/replay-dlq.ts (make dlq-replay).
import { randomUUID } from 'node:crypto';
import { topics } from '@notes/contracts/names';
import { Consumer, ListOffsetTimestamps, type Message } from '@platformatic/kafka';
import type { KafkaConnection } from './connection.ts';
import {
  brokerList,
  consumedRecord,
  createRawPublisher,
  type RawHeader,
  type RawRecord,
  readDeadLetterHeaders,
  replayRecord,
} from './dlq.ts';
import { decodeEnvelope } from './envelope.ts';

export interface ReplayOptions {
  brokers: string | readonly string[];
  /** TLS and SASL towards the brokers (kafkaConnection of the service's settings); none by default. */
  connection?: KafkaConnection;
  /** The dead-letter topic; `dlq` by default. */
  dlqTopic?: string;
  /** Only dead letters that came from this topic. */
  sourceTopic?: string;
  /** Only the dead letters of this event. */
  eventId?: string;
  /** Only dead letters written by this consumer group. */
  consumerGroup?: string;
  /** Only this dlq partition. */
  partition?: number;
  /** Start at this offset (in every partition read) instead of the beginning. */
  fromOffset?: bigint;
  /** Print what would be replayed; publish nothing. */
  dryRun?: boolean;
  /** Give up when the end of dlq is not reached within this time (default 60 s). */
  timeoutMs?: number;
  clientId?: string;
  /** Receives one line per chosen message. */
  print: (line: string) => void;
}

export interface ReplaySummary {
  /** Dead letters read. */
  read: number;
  /** Those the filters chose. */
  matched: number;
  /** Those re-published (0 on a dry run). */
  replayed: number;
  /** Chosen ones that could not be replayed (no dlq.source_topic). */
  skipped: number;
}

type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;

export async function replayDeadLetters(options: ReplayOptions): Promise<ReplaySummary> {
  const dlqTopic = options.dlqTopic ?? topics.deadLetters;
  const bootstrapBrokers = brokerList(options.brokers);
  const clientId = options.clientId ?? 'dlq-replay';
  const summary: ReplaySummary = { read: 0, matched: 0, replayed: 0, skipped: 0 };
  const consumer = new Consumer({
    clientId,
    bootstrapBrokers,
    ...options.connection,
    // A group of its own that never commits: reading leaves no trace and disturbs no real group.
    groupId: `dlq-replay-${randomUUID()}`,
    autocommit: false,
    maxWaitTime: 500,
  });
  const publisher = options.dryRun
    ? undefined
    : createRawPublisher({
        brokers: bootstrapBrokers,
        clientId,
        ...(options.connection && { connection: options.connection }),
      });
  let stream: Awaited<ReturnType<typeof consumer.consume>> | undefined;
  try {
    const earliest = (await consumer.listOffsets({ topics: [dlqTopic], timestamp: ListOffsetTimestamps.EARLIEST })).get(
      dlqTopic,
    );
    const latest = (await consumer.listOffsets({ topics: [dlqTopic], timestamp: ListOffsetTimestamps.LATEST })).get(
      dlqTopic,
    );
    if (earliest === undefined || latest === undefined) throw new Error(`topic ${dlqTopic} not found`);
    if (options.partition !== undefined && (options.partition < 0 || options.partition >= latest.length)) {
      throw new Error(`topic ${dlqTopic} has no partition ${options.partition} (it has ${latest.length})`);
    }
    // Per partition: where to start and the end as of now (what is dead-lettered meanwhile waits for the next run).
    const ranges = latest.map((end, partition) => {
      const first = earliest[partition] ?? 0n;
      const wanted = options.partition === undefined || options.partition === partition;
      const start = !wanted
        ? end
        : options.fromOffset === undefined || options.fromOffset < first
          ? first
          : options.fromOffset;
      return { partition, start: start < end ? start : end, end };
    });
    const position = new Map(ranges.map(({ partition, start }) => [partition, start]));
    const finished = () => ranges.every(({ partition, end }) => (position.get(partition) ?? end) >= end);
    if (finished()) return summary;

    stream = await consumer.consume({
      topics: [dlqTopic],
      mode: 'manual',
      offsets: ranges.map(({ partition, start }) => ({ topic: dlqTopic, partition, offset: start })),
      autocommit: false,
    });
    const activeStream = stream;
    // Records can be missing below the end (transaction markers, compaction): the fetch position
    // then tells that a partition is done although no message at end - 1 ever arrives.
    const fetchedToEnd = Promise.withResolvers<'fetched'>();
    activeStream.on('fetch', () => {
      const done = ranges.every(
        ({ partition, end }) => (activeStream.offsetsToFetch.get(`${dlqTopic}:${partition}`) ?? 0n) >= end,
      );
      if (done && activeStream.readableLength === 0) fetchedToEnd.resolve('fetched');
    });
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const messages = activeStream[Symbol.asyncIterator]();
    try {
      while (!finished()) {
        const next = await Promise.race([messages.next(), fetchedToEnd.promise, timedOut]);
        if (next === 'fetched') break;
        if (next === 'timeout') throw new Error(`the end of ${dlqTopic} was not reached within ${timeoutMs} ms`);
        if (next.done) throw new Error(`the ${dlqTopic} stream ended early`);
        const message: RawMessage = next.value;
        const range = ranges[message.partition];
        if (range === undefined || message.offset < range.start || message.offset >= range.end) continue;
        position.set(message.partition, message.offset + 1n);
        summary.read += 1;
        await replayOne(message);
      }
    } finally {
      clearTimeout(timer);
    }
    return summary;
  } finally {
    await stream?.close().catch(() => undefined);
    await consumer.close(true);
    await publisher?.close();
  }

  async function replayOne(message: RawMessage): Promise<void> {
    const deadLetter = consumedRecord(message);
    const info = readDeadLetterHeaders(deadLetter.headers);
    const eventId = eventIdOf(deadLetter);
    if (options.sourceTopic !== undefined && info.sourceTopic !== options.sourceTopic) return;
    if (options.consumerGroup !== undefined && info.consumerGroup !== options.consumerGroup) return;
    if (options.eventId !== undefined && eventId !== options.eventId) return;
    summary.matched += 1;
    const from = `${dlqTopic}:${message.partition}@${message.offset}`;
    const details = [
      `key=${deadLetter.key?.toString('utf8') ?? '-'}`,
      `event_id=${eventId ?? '-'}`,
      `type=${headerText(deadLetter.headers, 'type') ?? '-'}`,
      `group=${info.consumerGroup ?? '-'}`,
      `attempts=${info.attempts ?? '-'}`,
      `failed_at=${info.failedAt?.toISOString() ?? '-'}`,
      `error=${JSON.stringify(info.error ?? '')}`,
    ].join(' ');
    if (info.sourceTopic === undefined) {
      summary.skipped += 1;
      options.print(`skipped  ${from}: no dlq.source_topic header ${details}`);
      return;
    }
    if (publisher === undefined) {
      options.print(`dry-run  ${from} -> ${info.sourceTopic} ${details}`);
      return;
    }
    const written = await publisher.send(
      info.sourceTopic,
      replayRecord(deadLetter, { partition: message.partition, offset: message.offset }),
    );
    summary.replayed += 1;
    const to = written === undefined ? info.sourceTopic : `${info.sourceTopic}:${written.partition}@${written.offset}`;
    options.print(`replayed ${from} -> ${to} ${details}`);
  }
}

function headerText(headers: readonly RawHeader[], name: string): string | undefined {
  return headers.findLast(([key]) => key === name)?.[1].toString('utf8');
}

/** The event_id header, or the envelope's when the header is missing (undefined for an undecodable value). */
function eventIdOf(record: RawRecord): string | undefined {
  const header = headerText(record.headers, 'event_id');
  if (header) return header;
  if (record.value === undefined) return undefined;
  try {
    return decodeEnvelope(record.value).eventId || undefined;
  } catch {
    return undefined;
  }
}
