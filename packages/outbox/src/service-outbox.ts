import { createEventProducer, type KafkaConnection, type KafkaMetrics } from '@notes/kafka';
import type { Logger } from '@notes/logger';
import type { Pool } from '@notes/postgres';
import type { OutboxRelayMetrics } from './metrics.ts';
import { createOutboxNotifier } from './notifier.ts';
import { createOutboxRelay } from './relay.ts';

export interface ServiceOutboxOptions {
  pool: Pool;
  brokers: string;
  /** TLS and SASL towards the brokers. */
  connection?: KafkaConnection;
  /** The Kafka client id of the relay's producer: the service's name. */
  clientId: string;
  logger: Logger;
  /** Run a relay in this process (the default); off when stand-alone relays (bin/relay.ts) serve the table. */
  relay: boolean;
  /** Where the relay and its producer report (createOutboxMetrics, createKafkaMetrics). */
  metrics?: { relay: OutboxRelayMetrics; kafka: KafkaMetrics };
  /** The relay deletes old sent rows (the default); false when the caller purges them on a schedule of its own. */
  relayPurgesSentRows?: boolean;
}

/** What a service that writes to its outbox needs: a wake-up after each commit, and a lifecycle. */
export interface ServiceOutbox {
  /** Call after each committed transaction that appended to the outbox (never inside it). */
  afterCommit(): void;
  start(): Promise<void>;
  /** Finishes the relay's current batch, sends the NOTIFY still owed, closes the producer. */
  stop(): Promise<void>;
}

/** The outbox side of a service: its relay (by default in-process) and the after-commit notifier. */
export function createServiceOutbox(options: ServiceOutboxOptions): ServiceOutbox {
  const producer = options.relay
    ? createEventProducer({
        brokers: options.brokers,
        connection: options.connection,
        clientId: options.clientId,
        logger: options.logger,
        metrics: options.metrics?.kafka,
      })
    : undefined;
  const relay =
    producer &&
    createOutboxRelay({
      pool: options.pool,
      producer,
      logger: options.logger,
      metrics: options.metrics?.relay,
      ...(options.relayPurgesSentRows === false && { retention: false }),
    });
  const notifier = createOutboxNotifier(options.pool, { relay, logger: options.logger });
  return {
    afterCommit: () => notifier.afterCommit(),
    start: async () => {
      await relay?.start();
    },
    stop: async () => {
      await relay?.stop();
      await notifier.close();
      await producer?.close();
    },
  };
}
