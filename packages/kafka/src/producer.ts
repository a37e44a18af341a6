import type { Logger } from '@notes/logger';
import { ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka';
import type { KafkaConnection } from './connection.ts';
import { type Event, encodeEvent } from './envelope.ts';
import type { KafkaMetrics } from './metrics.ts';

export interface EventProducerOptions {
  /** Bootstrap brokers: "host:port", a comma-separated list of them, or an array. */
  brokers: string | readonly string[];
  /** TLS and SASL towards the brokers (kafkaConnection of the service's settings); none by default. */
  connection?: KafkaConnection;
  clientId: string;
  logger?: Logger;
  /**
   * How many times one send is retried inside the client (network errors, leader changes) before
   * publish() throws; default 2. Kept small on purpose: the caller (the outbox relay) owns the
   * longer back-off, and a publish that never returns would hold its transaction open forever.
   */
  retries?: number;
  /** Pause between those retries; default 250 ms. */
  retryDelayMs?: number;
  /** Request timeout (connect and produce); default 5000 ms. */
  timeoutMs?: number;
  /** Counts the messages acknowledged and those of failed sends, by topic. */
  metrics?: Pick<KafkaMetrics, 'produced' | 'produceFailed'>;
}

/** Publishes platform events (docs/contract/events.md): key = aggregate id, binary envelope, contract headers. */
export interface EventProducer {
  /**
   * Sends all events to topic in one produce call, in the order given (one aggregate's events keep
   * that order: same key, same partition, one request). Resolves once every event is acknowledged
   * by all in-sync replicas; throws when the broker did not take them all (some may have been
   * written: publishing again is the caller's retry, and consumers are idempotent). Concurrent
   * calls are sent one after another, in the order they were made.
   */
  publish(topic: string, events: readonly Event[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * An idempotent producer (acks = all, one request in flight per connection, so a retried request
 * never reorders or duplicates within a partition) over @platformatic/kafka.
 */
export function createEventProducer(options: EventProducerOptions): EventProducer {
  const bootstrapBrokers =
    typeof options.brokers === 'string'
      ? options.brokers
          .split(',')
          .map((broker) => broker.trim())
          .filter((broker) => broker !== '')
      : [...options.brokers];
  if (bootstrapBrokers.length === 0) throw new Error('createEventProducer: no brokers given');
  const timeout = options.timeoutMs ?? 5_000;
  const producer = new Producer<string, Buffer, string, string>({
    clientId: options.clientId,
    bootstrapBrokers,
    ...options.connection,
    idempotent: true,
    acks: ProduceAcks.ALL,
    // The client turns retries <= 1 into "forever" for idempotent producers: never ask for that.
    retries: Math.max(2, options.retries ?? 2),
    retryDelay: options.retryDelayMs ?? 250,
    timeout,
    connectTimeout: timeout,
    autocreateTopics: false,
    serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
  });
  const logger = options.logger;
  let closed = false;
  // One send at a time: the idempotent producer numbers each partition's batches when a send
  // starts, and concurrent sends could reach the broker in another order (OUT_OF_ORDER_SEQUENCE)
  // after a metadata refresh. Sequential sends keep a shared producer (relay, dead letters) safe.
  let previous: Promise<unknown> = Promise.resolve();

  async function send(topic: string, events: readonly Event[]): Promise<void> {
    const messages = events.map((event) => {
      const record = encodeEvent(event);
      return {
        topic,
        key: record.key,
        value: Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength),
        headers: record.headers,
      };
    });
    try {
      await producer.send({ messages });
    } catch (error) {
      logger?.debug({ err: error, topic, events: events.length }, 'publishing events failed');
      options.metrics?.produceFailed(topic, messages.length);
      throw error;
    }
    options.metrics?.produced(topic, messages.length);
  }

  return {
    publish(topic, events) {
      if (closed) return Promise.reject(new Error('the event producer is closed'));
      if (events.length === 0) return Promise.resolve();
      const sending = previous.then(() => send(topic, events));
      previous = sending.catch(() => undefined);
      return sending;
    },
    async close() {
      if (closed) return;
      closed = true;
      await previous;
      await producer.close();
    },
  };
}
