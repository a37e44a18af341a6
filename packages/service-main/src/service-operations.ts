import { createGrpcMetrics, type GrpcMetrics } from '@notes/grpc';
import { createKafkaMetrics, createKafkaProbe, type KafkaConnection, type KafkaMetrics } from '@notes/kafka';
import type { Logger } from '@notes/logger';
import {
  createMetricsRegistry,
  createOperationsServer,
  createReadiness,
  type DependencyWatch,
  startDependencyWatch,
} from '@notes/operations';
import type { Queryable } from '@notes/postgres';

export interface ServiceOperationsOptions {
  /** The Kafka client id of the readiness probe. */
  name: string;
  /** The operations HTTP port: /healthz, /readyz, /metrics. */
  http: { host: string; port: number };
  kafka: { brokers: string | readonly string[]; connection?: KafkaConnection | undefined };
  /** The service's database: ready while it answers. */
  database: Queryable;
  /** Told when Kafka or the database stops answering, while it stays away, and when it is back. */
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
  /** Starts the operations port and the watches on Kafka and the database; resolves with the bound port. */
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
  let watch: DependencyWatch | undefined;
  return {
    registry,
    grpcMetrics: createGrpcMetrics(registry),
    kafkaMetrics: createKafkaMetrics(registry),
    servesRpcs: servesRpcs.isReady,
    async listen() {
      const port = await server.listen();
      // Without them, an outage says nothing until a relay's batch or a consumer's fetch gives up,
      // or (the database) only in the answers to the calls.
      watch ??= startDependencyWatch({
        dependencies: [
          { name: 'kafka', check: () => kafkaProbe.check(), meanwhile: 'events wait in the outbox and consumers wait' },
          { name: 'database', check: database.check, meanwhile: 'calls are answered UNAVAILABLE' },
        ],
        logger: options.logger,
        registry,
      });
      return port;
    },
    async close() {
      watch?.stop();
      await server.close();
      await kafkaProbe.close();
    },
  };
}
