// The relay's figures, measured against a real broker (3 partitions) and PostgreSQL with default
// durability: its throughput, the broker's own ceiling beside it, and commit-to-consume latency.
// relay-throughput.ts (make bench-relay) and bench/run.ts (make bench) both run these.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { create, toBinary } from '@bufbuild/protobuf';
import { NoteCreatedSchema } from '@notes/contracts/common/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import { createEventProducer, decodeEnvelope, encodeEvent } from '@notes/kafka';
import { createLogger, type Logger } from '@notes/logger';
import { appendToOutbox, createOutboxNotifier, createOutboxRelay, type OutboxRelay } from '@notes/outbox';
import { type Pool, withTransaction } from '@notes/postgres';
import { Admin, Consumer } from '@platformatic/kafka';
import { type BenchInfra, percentile } from './infra.ts';

const topic = topics.notesEvents;
const quietLogger = () => createLogger({ service: 'outbox-bench', level: 'warn' });
const execFileAsync = promisify(execFile);

const payload = Buffer.from(
  toBinary(NoteCreatedSchema, create(NoteCreatedSchema, { noteId: randomUUID(), ownerId: randomUUID() })),
);

/** The bytes one relayed event puts on the wire (its binary envelope): the ceiling's records get as many. */
export const envelopeSize = encodeEvent({
  eventId: randomUUID(),
  aggregateId: 'note-1234',
  type: eventTypes.NoteCreated,
  occurredAt: new Date(),
  payload,
}).value.byteLength;

async function endOffsets(brokers: string): Promise<bigint> {
  const admin = new Admin({ clientId: 'outbox-bench', bootstrapBrokers: brokers.split(',') });
  try {
    const [listed] = await admin.listOffsets({
      topics: [{ name: topic, partitions: [0, 1, 2].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) }],
    });
    return (listed?.partitions ?? []).reduce((sum, partition) => sum + partition.offset, 0n);
  } finally {
    await admin.close();
  }
}

async function fill(pool: Pool, count: number): Promise<void> {
  for (let start = 0; start < count; start += 20_000) {
    await pool.query(
      `INSERT INTO outbox (id, aggregate_id, topic, type, payload, occurred_at)
       SELECT gen_random_uuid(), 'note-' || (i % 10000), $3, '${eventTypes.NoteCreated}', $4, now()
       FROM generate_series($1::int, $2::int) AS i`,
      [start, Math.min(count, start + 20_000) - 1, topic, payload],
    );
  }
  await pool.query('VACUUM ANALYZE outbox');
}

export interface RelayThroughput {
  batchSize: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  batches: number;
  /** Events the broker's end offsets grew by: every event must be there. */
  onBroker: number;
  perSecond: number[];
}

/**
 * An outbox filled with `events` small events over 10,000 aggregates, drained by one relay:
 * events/s from its start to the last batch committed.
 */
export async function measureRelayThroughput(
  infra: BenchInfra,
  options: { events: number; batchSize: number; logger?: Logger },
): Promise<RelayThroughput> {
  const { events, batchSize, logger = quietLogger() } = options;
  const brokers = infra.brokers ?? '';
  const { pool } = await infra.database(`outbox_throughput_${batchSize}`, 4);
  await fill(pool, events);
  const before = await endOffsets(brokers);
  const producer = createEventProducer({ brokers, clientId: 'outbox-bench' });
  let published = 0;
  let batches = 0;
  const done = Promise.withResolvers<void>();
  const perSecond: number[] = [];
  const relay = createOutboxRelay({
    pool,
    producer: {
      publish: async (name, batch) => {
        await producer.publish(name, batch);
        published += batch.length;
        batches += 1;
      },
    },
    logger,
    batchSize,
  });
  const started = performance.now();
  let last = 0;
  const ticker = setInterval(() => {
    perSecond.push(published - last);
    last = published;
  }, 1000);
  await relay.start();
  // Published counts a batch before its commit: wait for the rows themselves.
  const poll = setInterval(async () => {
    if (published < events) return;
    const { rows } = await pool.query<{ unsent: string }>(
      'SELECT count(*) AS unsent FROM outbox WHERE sent_at IS NULL',
    );
    if (rows[0]?.unsent === '0') done.resolve();
  }, 20);
  await done.promise;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(poll);
  clearInterval(ticker);
  await relay.stop();
  await producer.close();
  const onBroker = (await endOffsets(brokers)) - before;
  return {
    batchSize,
    events,
    seconds: Number(seconds.toFixed(2)),
    eventsPerSecond: Math.round(events / seconds),
    batches,
    onBroker: Number(onBroker),
    perSecond,
  };
}

interface Writer {
  stop(): Promise<number>;
}

/**
 * rate single-event transactions per second, spread over 10 ms ticks; committedAt gets the
 * Date.now() at which each event's COMMIT returned.
 */
function startWriters(pool: Pool, rate: number, afterCommit: () => void, committedAt: Map<string, number>): Writer {
  const perTick = rate / 100;
  let owed = 0;
  let written = 0;
  const inFlight = new Set<Promise<void>>();
  const tick = setInterval(() => {
    owed += perTick;
    while (owed >= 1) {
      owed -= 1;
      const noteId = randomUUID();
      const eventId = randomUUID();
      const write = withTransaction(pool, async (tx) =>
        appendToOutbox(tx, topic, [
          {
            eventId,
            aggregateId: noteId,
            type: eventTypes.NoteCreated,
            occurredAt: new Date(),
            payload: toBinary(NoteCreatedSchema, create(NoteCreatedSchema, { noteId, ownerId: noteId })),
          },
        ]),
      ).then(() => {
        committedAt.set(eventId, Date.now());
        written += 1;
        afterCommit();
      });
      inFlight.add(write);
      void write.finally(() => inFlight.delete(write));
    }
  }, 10);
  return {
    async stop() {
      clearInterval(tick);
      await Promise.all(inFlight);
      return written;
    },
  };
}

export type RelayPlacement = 'in-process' | 'own process';

export interface CommitToConsume {
  relay: RelayPlacement;
  rate: number;
  written: number;
  measured: number;
  /** occurred_at is set just before the COMMIT: this figure includes the commit itself. */
  occurredAtToConsume: { p50Ms: number; p99Ms: number; maxMs: number };
  /** From the moment the writer's COMMIT returned: the relay's share alone. */
  commitToConsume: { p50Ms: number; p99Ms: number; maxMs: number };
}

/**
 * Writers commit `rate` single-event transactions per second for `seconds` (after 3 s of warm-up);
 * a consumer takes the latency of each event. The relay runs in the writers' process (woken by
 * nudge()) or as bin/relay.ts in a process of its own (woken by the debounced NOTIFY after commit).
 */
export async function measureCommitToConsume(
  infra: BenchInfra,
  options: { rate: number; seconds: number; relay: RelayPlacement; logger?: Logger },
): Promise<CommitToConsume> {
  const { rate, seconds, relay: where, logger = quietLogger() } = options;
  const brokers = infra.brokers ?? '';
  const { pool, url } = await infra.database(`outbox_latency_${where === 'in-process' ? 'in' : 'own'}`, 40);
  const consumer = new Consumer({
    clientId: 'outbox-bench',
    groupId: `outbox-bench-${randomUUID()}`,
    bootstrapBrokers: brokers.split(','),
    maxWaitTime: 100,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'latest', autocommit: false });
  const latencies: number[] = [];
  const fromCommit: number[] = [];
  const committedAt = new Map<string, number>();
  let measuring = false;
  stream.on('data', (message) => {
    if (!measuring) return;
    const now = Date.now();
    const envelope = decodeEnvelope(message.value);
    latencies.push(now - Number(envelope.occurredAt));
    const committed = committedAt.get(envelope.eventId);
    // The consumer can be a hair faster than the writer's promise chain: count that as 0.
    if (committed !== undefined) fromCommit.push(Math.max(0, now - committed));
  });
  let relay: OutboxRelay | undefined;
  let child: ChildProcess | undefined;
  const producer = createEventProducer({ brokers, clientId: 'outbox-bench' });
  if (where === 'in-process') {
    relay = createOutboxRelay({ pool, producer, logger });
    await relay.start();
  } else {
    child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'packages', 'outbox', 'bin', 'relay.ts')], {
      env: { ...process.env, OUTBOX_DB_DSN: url, KAFKA_BROKERS: brokers, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const notifier = createOutboxNotifier(pool, relay ? { relay } : {});
  const writers = startWriters(pool, rate, () => notifier.afterCommit(), committedAt);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  measuring = true;
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const written = await writers.stop();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  measuring = false;
  await notifier.close();
  await relay?.stop();
  if (child) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  await producer.close();
  await stream.close();
  await consumer.close(true);
  latencies.sort((a, b) => a - b);
  fromCommit.sort((a, b) => a - b);
  const summary = (sorted: number[]) => ({
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
  });
  return {
    relay: where,
    rate,
    written,
    measured: latencies.length,
    occurredAtToConsume: summary(latencies),
    commitToConsume: summary(fromCommit),
  };
}

export interface ProducerCeiling {
  tool: string;
  records: number;
  recordSize: number;
  recordsPerSecond: number;
}

/**
 * The broker's own ceiling on the same broker and topic: Kafka's producer performance tool from
 * the same jars, `records` records of `recordSize` bytes, acks=all, idempotent.
 */
export async function measureProducerCeiling(
  brokers: string,
  options: { records: number; recordSize: number },
): Promise<ProducerCeiling> {
  const fetched = await execFileAsync(join(import.meta.dirname, '..', '..', 'scripts', 'fetch-kafka.sh'), [
    '--print-dir',
  ]);
  const kafkaHome = fetched.stdout.trim();
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const { stdout } = await execFileAsync(java, [
    '-Xmx512m',
    '-cp',
    join(kafkaHome, 'libs', '*'),
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    topic,
    '--num-records',
    String(options.records),
    '--record-size',
    String(options.recordSize),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${brokers}`,
    'acks=all',
    'enable.idempotence=true',
  ]);
  // The tool's last line: "200000 records sent, 251256.3 records/sec (23.96 MB/sec), ..."
  const summary = stdout.trim().split('\n').at(-1) ?? '';
  const recordsPerSecond = Number(/([\d.]+) records\/sec/.exec(summary)?.[1]);
  return {
    tool: 'kafka ProducerPerformance',
    records: options.records,
    recordSize: options.recordSize,
    recordsPerSecond: Math.round(recordsPerSecond),
  };
}
