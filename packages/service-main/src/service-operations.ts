import { createGrpcMetrics, type GrpcMetrics } from '@notes/grpc';
import {
  createKafkaMetrics,
  createKafkaProbe,
  type KafkaConnection,
  type KafkaMetrics,
  watchKafkaReachability,
} from '@notes/kafka';
import type { Logger } from '@notes/logger';
import { createMetricsRegistry, createOperationsServer, createReadiness } from '@notes/operations';
import type { Queryable } from '@notes/postgres';

export interface ServiceOperationsOptions {
  /** The Kafka client id of the readiness probe. */
  name: string;
  /** The operations HTTP port: /healthz, /readyz, /metrics. */
  http: { host: string; port: number };
  kafka: { brokers: string | readonly string[]; connection?: KafkaConnection | undefined };
  /** The service's database: ready while it answers. */
  database: Queryable;
  /** Where a Kafka outage is told (a warning after 10 s, every minute while it lasts, a line when it ends). */
  logger: Logger;
}

/** What a gRPC service with a database and an outbox reports about itself. */
export interface ServiceOperations {
  /** The composition root's registry, for the series of its own parts (outbox, sagas). */
  registry: ReturnType<typeof createMetricsRegistry>;
  grpcMetrics: GrpcMetrics;
  kafkaMetrics: KafkaMetrics;
  /** The gRPC health's answer: the database only, no broker round trip per probe. */
  servesRpcs(): Promise<boolean>;
  /** Starts the operations port and the watch of the brokers; resolves with the bound port. */
  listen(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The metrics registry (with gRPC and Kafka series), the readiness checks and the operations
 * port of auth-service, notes-service and saga-orchestrator. While Kafka is away, events wait in
 * the outbox and RPCs still work: /readyz stays 200 and names kafka as degraded, and the log says so.
 */
export function createServiceOperations(options: ServiceOperationsOptions): ServiceOperations {
  const registry = createMetricsRegistry();
  const kafkaProbe = createKafkaProbe({
    brokers: options.kafka.brokers,
    connection: options.kafka.connection,
    clientId: options.name,
  });
  const database = { name: 'database', check: () => options.database.query('SELECT 1') };
  const readiness = createReadiness([database, { name: 'kafka', check: () => kafkaProbe.check(), degradesOnly: true }]);
  const servesRpcs = createReadiness([database]);
  const server = createOperationsServer({ ...options.http, readiness, registry });
  let kafkaWatch: { stop(): Promise<void> } | undefined;
  return {
    registry,
    grpcMetrics: createGrpcMetrics(registry),
    kafkaMetrics: createKafkaMetrics(registry),
    servesRpcs: servesRpcs.isReady,
    listen() {
      kafkaWatch ??= watchKafkaReachability({ probe: kafkaProbe, logger: options.logger });
      return server.listen();
    },
    async close() {
      await server.close();
      await kafkaWatch?.stop();
      await kafkaProbe.close();
    },
  };
}
