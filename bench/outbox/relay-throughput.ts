// make bench-relay: the relay measured against a real broker (single node, 3 partitions) and
// PostgreSQL with default durability (the measurements are in relay.ts; make bench runs them too):
//  1. throughput: an outbox filled with BENCH_EVENTS (200,000) small events over 10,000 aggregates,
//     drained by one relay, per batch size in BENCH_BATCH_SIZES (500); next to Kafka's producer
//     performance tool sending as many records of an envelope's size to the same broker.
//  2. latency: writers commit BENCH_RATE (1,000) single-event transactions per second for
//     BENCH_LATENCY_SECONDS (15); once with the relay in the writers' process, once with
//     packages/outbox/bin/relay.ts as a process of its own.
//   node bench/outbox/relay-throughput.ts
import { createLogger } from '@notes/logger';
import { print, startBenchInfra } from './infra.ts';
import { envelopeSize, measureCommitToConsume, measureProducerCeiling, measureRelayThroughput } from './relay.ts';

const events = Number(process.env.BENCH_EVENTS ?? 200_000);
const batchSizes = (process.env.BENCH_BATCH_SIZES ?? '500')
  .split(',')
  .map(Number)
  .filter((size) => size > 0);
const rate = Number(process.env.BENCH_RATE ?? 1_000);
const latencySeconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 15);
const logger = createLogger({ service: 'outbox-bench', level: process.env.LOG_LEVEL ?? 'warn' });

const infra = await startBenchInfra({ kafka: true });
try {
  print(`Kafka ${infra.brokers}; ${events} events; batch sizes ${batchSizes.join(', ')}`);
  const relayRuns = [];
  for (const batchSize of batchSizes) {
    const run = await measureRelayThroughput(infra, { events, batchSize, logger });
    relayRuns.push(run);
    print(JSON.stringify(run));
  }
  const ceiling = await measureProducerCeiling(infra.brokers ?? '', { records: events, recordSize: envelopeSize });
  print(JSON.stringify(ceiling));
  for (const run of relayRuns) {
    print(
      `relay (batch ${run.batchSize}): ${run.eventsPerSecond} events/s = ${((100 * run.eventsPerSecond) / ceiling.recordsPerSecond).toFixed(1)} % of the broker's ceiling`,
    );
  }
  for (const relay of ['in-process', 'own process'] as const) {
    print(JSON.stringify(await measureCommitToConsume(infra, { rate, seconds: latencySeconds, relay, logger })));
  }
} finally {
  await infra.stop();
}
