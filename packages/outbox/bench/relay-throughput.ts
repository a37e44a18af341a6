// The relay measured against a real broker (single node, 3 partitions) and PostgreSQL with default
// durability:
//  1. throughput: an outbox filled with BENCH_EVENTS (200,000) small events over 10,000 aggregates,
//     drained by one relay; events/s from its start to the last batch committed, per batch size
//     in BENCH_BATCH_SIZES (500); the broker's end offsets confirm every event is there.
//  2. latency: writers commit BENCH_RATE (1,000) single-event transactions per second for
//     BENCH_LATENCY_SECONDS (15); a consumer takes now - envelope.occurred_at of each event
//     (occurred_at is set just before the commit, so that figure includes the commit itself), and
//     now - the moment the writer's COMMIT returned (the relay's share alone).
//     Once with the relay in the writers' process (woken by nudge()), once with relay-main.ts as
//     a process of its own (woken by the debounced NOTIFY after commit).
//   node packages/outbox/bench/relay-throughput.ts
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { create, toBinary } from '@bufbuild/protobuf';
import { NoteCreatedSchema } from '@notes/contracts/common/v1';
import { createEventProducer, decodeEnvelope, encodeEvent } from '@notes/kafka';
import { createLogger } from '@notes/logger';
import { type Pool, withTransaction } from '@notes/postgres';
import { Admin, Consumer } from '@platformatic/kafka';
import { appendToOutbox, createOutboxNotifier, createOutboxRelay, type OutboxRelay } from '../src/index.ts';
import { percentile, print, startBenchInfra } from './infra.ts';

const topic = 'notes.events';
const events = Number(process.env.BENCH_EVENTS ?? 200_000);
const batchSizes = (process.env.BENCH_BATCH_SIZES ?? '500')
  .split(',')
  .map(Number)
  .filter((size) => size > 0);
const rate = Number(process.env.BENCH_RATE ?? 1_000);
const latencySeconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 15);
const execFileAsync = promisify(execFile);
const logger = createLogger({ service: 'outbox-bench', level: process.env.LOG_LEVEL ?? 'warn' });

const infra = await startBenchInfra({ kafka: true });
const brokers = infra.brokers ?? '';

async function endOffsets(): Promise<bigint> {
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

const payload = Buffer.from(
  toBinary(NoteCreatedSchema, create(NoteCreatedSchema, { noteId: randomUUID(), ownerId: randomUUID() })),
);
// The value one relayed event puts on the wire (the binary envelope); the tool's records get as many bytes.
const envelopeSize = encodeEvent({
  eventId: randomUUID(),
  aggregateId: 'note-1234',
  type: 'notes.NoteCreated',
  occurredAt: new Date(),
  payload,
}).value.byteLength;

async function fill(pool: Pool, count: number): Promise<void> {
  for (let start = 0; start < count; start += 20_000) {
    await pool.query(
      `INSERT INTO outbox (id, aggregate_id, topic, type, payload, occurred_at)
       SELECT gen_random_uuid(), 'note-' || (i % 10000), $3, 'notes.NoteCreated', $4, now()
       FROM generate_series($1::int, $2::int) AS i`,
      [start, Math.min(count, start + 20_000) - 1, topic, payload],
    );
  }
  await pool.query('VACUUM ANALYZE outbox');
}

async function throughput(batchSize: number) {
  const { pool } = await infra.database(`outbox_throughput_${batchSize}`, 4);
  await fill(pool, events);
  const before = await endOffsets();
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
  const onBroker = (await endOffsets()) - before;
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
function startWriters(pool: Pool, afterCommit: () => void, committedAt: Map<string, number>): Writer {
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
      const write = withTransaction(pool, (tx) =>
        appendToOutbox(tx, topic, [
          {
            eventId,
            aggregateId: noteId,
            type: 'notes.NoteCreated',
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

async function latency(where: 'in-process' | 'own process') {
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
    child = spawn(process.execPath, [join(import.meta.dirname, '..', 'src', 'relay-main.ts')], {
      env: { ...process.env, OUTBOX_DB_DSN: url, KAFKA_BROKERS: brokers, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const notifier = createOutboxNotifier(pool, relay ? { relay } : {});
  // 3 s of warm-up, then the measurement.
  const writers = startWriters(pool, () => notifier.afterCommit(), committedAt);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  measuring = true;
  await new Promise((resolve) => setTimeout(resolve, latencySeconds * 1000));
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
  return {
    relay: where,
    rate,
    written,
    measured: latencies.length,
    occurredAtToConsume: {
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1),
    },
    commitToConsume: {
      p50Ms: percentile(fromCommit, 50),
      p99Ms: percentile(fromCommit, 99),
      maxMs: fromCommit.at(-1),
    },
  };
}

/**
 * The broker's own ceiling on the same broker and topic: Kafka's producer performance tool from
 * the same jars, the same number of records of about an envelope's size, acks=all, idempotent.
 */
async function brokerCeiling(recordSize: number) {
  const fetched = await execFileAsync(join(import.meta.dirname, '..', '..', '..', 'scripts', 'fetch-kafka.sh'), [
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
    String(events),
    '--record-size',
    String(recordSize),
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
    records: events,
    recordSize,
    recordsPerSecond: Math.round(recordsPerSecond),
  };
}

try {
  print(`Kafka ${brokers}; ${events} events; batch sizes ${batchSizes.join(', ')}`);
  const relayRuns = [];
  for (const batchSize of batchSizes) {
    const run = await throughput(batchSize);
    relayRuns.push(run);
    print(JSON.stringify(run));
  }
  const ceiling = await brokerCeiling(envelopeSize);
  print(JSON.stringify(ceiling));
  for (const run of relayRuns) {
    print(
      `relay (batch ${run.batchSize}): ${run.eventsPerSecond} events/s = ${((100 * run.eventsPerSecond) / ceiling.recordsPerSecond).toFixed(1)} % of the broker's ceiling`,
    );
  }
  for (const where of ['in-process', 'own process'] as const) print(JSON.stringify(await latency(where)));
} finally {
  await infra.stop();
}
