import { Counter, Gauge, type Registry } from 'prom-client';

/** Per partition of each topic, how far the group's committed offset is behind the end; undefined when unknown. */
export type LagSource = () => Promise<ReadonlyMap<string, readonly bigint[]> | undefined>;

/** What the producer and the consumer report; createKafkaMetrics writes it to a Prometheus registry. */
export interface KafkaMetrics {
  /** Messages the broker acknowledged. */
  produced(topic: string, messages: number): void;
  /** Messages of a produce call that threw (some may have been written). */
  produceFailed(topic: string, messages: number): void;
  /** A message taken by a consumer's handler (once, however many attempts it needs). */
  consumed(topic: string, group: string): void;
  /** A handler attempt that threw (retried, or dead-lettered after the last one). */
  handlerFailed(topic: string, group: string): void;
  /** A message put on the dead-letter topic. */
  deadLettered(topic: string, group: string): void;
  /** Reports the lag of a consumer group while it runs; the returned function stops it. */
  watchLag(group: string, source: LagSource): () => void;
}

/**
 * Kafka series in `registry`: kafka_messages_produced_total, kafka_produce_failures_total,
 * kafka_messages_consumed_total, kafka_consume_failures_total, kafka_dlq_messages_total (counters
 * by topic, and consumer group for the consumer's) and kafka_consumer_lag (asked of the broker at
 * each scrape, by group, topic and partition).
 */
export function createKafkaMetrics(registry: Registry): KafkaMetrics {
  const counter = (name: string, help: string, labelNames: string[]) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const produced = counter('kafka_messages_produced_total', 'Messages acknowledged by Kafka, by topic.', ['topic']);
  const produceFailures = counter(
    'kafka_produce_failures_total',
    'Messages of produce calls that failed (the outbox relay retries them), by topic.',
    ['topic'],
  );
  const consumed = counter(
    'kafka_messages_consumed_total',
    'Messages handed to a consumer handler, by topic and consumer group.',
    ['topic', 'group'],
  );
  const handlerFailures = counter(
    'kafka_consume_failures_total',
    'Handler attempts that failed (retried, or dead-lettered after the last), by topic and consumer group.',
    ['topic', 'group'],
  );
  const deadLettered = counter(
    'kafka_dlq_messages_total',
    'Messages put on the dead-letter topic, by source topic and consumer group.',
    ['topic', 'group'],
  );
  const lagSources = new Map<LagSource, string>();
  new Gauge({
    name: 'kafka_consumer_lag',
    help: 'Messages not yet committed by the consumer group, by topic and partition (its own partitions only).',
    labelNames: ['group', 'topic', 'partition'],
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        [...lagSources].map(async ([source, group]) => {
          const lag = await withinScrape(source());
          for (const [topic, partitions] of lag ?? []) {
            partitions.forEach((value, partition) => {
              // -1: a partition assigned to another member of the group.
              if (value >= 0n) this.set({ group, topic, partition: String(partition) }, Number(value));
            });
          }
        }),
      );
    },
  });
  return {
    produced: (topic, messages) => produced.inc({ topic }, messages),
    produceFailed: (topic, messages) => produceFailures.inc({ topic }, messages),
    consumed: (topic, group) => consumed.inc({ topic, group }),
    handlerFailed: (topic, group) => handlerFailures.inc({ topic, group }),
    deadLettered: (topic, group) => deadLettered.inc({ topic, group }),
    watchLag(group, source) {
      lagSources.set(source, group);
      return () => lagSources.delete(source);
    },
  };
}

/** A scrape waits this long for a group's lag; a broker that is away must not hold the whole scrape. */
const lagTimeoutMs = 2_000;

function withinScrape<T>(promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), lagTimeoutMs);
  });
  return Promise.race([promise.catch(() => undefined), timedOut]).finally(() => clearTimeout(timer));
}
