import { createEventProducer, type KafkaConnection } from '@notes/kafka';
import type { Logger } from '@notes/logger';
import { createPool } from '@notes/postgres';
import { createOutboxRelay } from './relay.ts';

export interface StandaloneRelayOptions {
  /** The database whose outbox table the relay publishes. */
  dsn: string;
  brokers: string;
  /** TLS and SASL towards the brokers. */
  connection: KafkaConnection;
  /** The Kafka client id and PostgreSQL application name. */
  clientId: string;
  logger: Logger;
  batchSize?: number;
  pollIntervalMs?: number;
  /** How long sent rows are kept (the relay's retention.sentRowsMs). */
  sentRowsMs?: number;
}

export interface StandaloneRelay {
  /** Finishes the current batch, then closes the producer and the pool. */
  stop(): Promise<void>;
}

/**
 * An outbox relay with a pool and a producer of its own, for a process that only relays
 * (bin/relay.ts): more relays on a service's table, or the relay apart from the service.
 */
export async function startStandaloneRelay(options: StandaloneRelayOptions): Promise<StandaloneRelay> {
  const { logger, clientId } = options;
  // A batch, the LISTEN connection, and the retention purge.
  const pool = createPool({
    dsn: options.dsn,
    maxConnections: 3,
    applicationName: clientId,
    onIdleError: (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'),
  });
  const producer = createEventProducer({ brokers: options.brokers, clientId, logger, connection: options.connection });
  const relay = createOutboxRelay({
    pool,
    producer,
    logger,
    ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
    ...(options.pollIntervalMs !== undefined && { pollIntervalMs: options.pollIntervalMs }),
    ...(options.sentRowsMs !== undefined && { retention: { sentRowsMs: options.sentRowsMs } }),
  });
  await relay.start();
  return {
    stop: async () => {
      await relay.stop();
      await producer.close();
      await pool.end();
    },
  };
}
