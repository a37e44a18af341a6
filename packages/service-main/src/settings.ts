import { grpcTlsEnvBindings, grpcTlsSettingsSchema } from '@notes/grpc';
import { groupProtocols, kafkaSecurityEnvBindings, kafkaSecuritySettings } from '@notes/kafka';
import { Type } from 'typebox';

const listenAddress = Type.Object({
  host: Type.String({ minLength: 1 }),
  // 0 picks a free port (tests).
  port: Type.Integer({ minimum: 0, maximum: 65_535 }),
});

/**
 * The settings createGrpcService reads, as TypeBox schemas: a service's config schema spreads them
 * beside its own (Type.Object({ ...grpcServiceSettings, jwt: ... })); withGrpcTls and
 * withKafkaConnection then turn them into GrpcServiceSettings.
 */
export const grpcServiceSettings = {
  grpc: listenAddress,
  // The operations port: /healthz, /readyz and /metrics (Prometheus).
  http: listenAddress,
  grpcTls: grpcTlsSettingsSchema,
  database: Type.Object({
    dsn: Type.String({ minLength: 1 }),
    // The service's own; the in-process relay's connections come on top.
    maxConnections: Type.Integer({ minimum: 1 }),
    migrateOnStart: Type.Boolean(),
  }),
  kafka: Type.Object({
    // Bootstrap brokers, "host:port[,host:port…]".
    brokers: Type.String({ minLength: 1 }),
    ...kafkaSecuritySettings,
    // The group the service consumes in, also the name of its processed_events rows.
    consumerGroup: Type.String({ minLength: 1 }),
    // The group's rebalance protocol, 'classic' or 'consumer' (KIP-848); unset: the consumer's default (ADR 0017).
    groupProtocol: Type.Optional(Type.Enum([...groupProtocols])),
  }),
  outbox: Type.Object({
    // Run the outbox relay in this process; false when stand-alone relays serve the outbox table.
    relay: Type.Boolean({ default: true }),
  }),
  log: Type.Object({
    level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
};

/**
 * Environment variable → setting, for grpcServiceSettings: the service's own variables carry its
 * prefix (AUTH_DB_DSN, NOTES_GRPC_PORT, SAGA_CONSUMER_GROUP), the platform's do not (KAFKA_BROKERS,
 * the TLS and SASL ones, OUTBOX_RELAY, LOG_LEVEL).
 */
export function grpcServiceEnvBindings(prefix: string): Record<string, string> {
  return {
    [`${prefix}_DB_DSN`]: 'database.dsn',
    [`${prefix}_DB_MAX_CONNECTIONS`]: 'database.maxConnections',
    [`${prefix}_MIGRATE_ON_START`]: 'database.migrateOnStart',
    [`${prefix}_GRPC_HOST`]: 'grpc.host',
    [`${prefix}_GRPC_PORT`]: 'grpc.port',
    ...grpcTlsEnvBindings,
    [`${prefix}_HTTP_HOST`]: 'http.host',
    [`${prefix}_HTTP_PORT`]: 'http.port',
    KAFKA_BROKERS: 'kafka.brokers',
    ...kafkaSecurityEnvBindings,
    [`${prefix}_CONSUMER_GROUP`]: 'kafka.consumerGroup',
    KAFKA_GROUP_PROTOCOL: 'kafka.groupProtocol',
    OUTBOX_RELAY: 'outbox.relay',
    LOG_LEVEL: 'log.level',
  };
}
