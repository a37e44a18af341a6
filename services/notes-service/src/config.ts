import { join } from 'node:path';
import { loadConfig } from '@notes/config';
import { grpcTlsEnvBindings, grpcTlsSettingsSchema, type WithGrpcTls, withGrpcTls } from '@notes/grpc';
import {
  kafkaSecurityEnvBindings,
  kafkaSecuritySettings,
  type WithKafkaConnection,
  withKafkaConnection,
} from '@notes/kafka';
import { type Static, Type } from 'typebox';

export const NotesConfigSchema = Type.Object({
  grpc: Type.Object({
    host: Type.String({ minLength: 1 }),
    // 0 picks a free port (tests).
    port: Type.Integer({ minimum: 0, maximum: 65_535 }),
  }),
  // The operations port: /healthz, /readyz and /metrics (Prometheus).
  http: Type.Object({
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65_535 }),
  }),
  grpcTls: grpcTlsSettingsSchema,
  database: Type.Object({
    dsn: Type.String({ minLength: 1 }),
    maxConnections: Type.Integer({ minimum: 1 }),
    migrateOnStart: Type.Boolean(),
  }),
  kafka: Type.Object({
    // Bootstrap brokers, "host:port[,host:port…]".
    brokers: Type.String({ minLength: 1 }),
    ...kafkaSecuritySettings,
    // The group that carries out notes-service's saga commands, also the name of its processed_events rows.
    consumerGroup: Type.String({ minLength: 1 }),
  }),
  outbox: Type.Object({
    // Run the outbox relay in this process; false when stand-alone relays serve the outbox table.
    relay: Type.Boolean({ default: true }),
  }),
  saga: Type.Object(
    {
      // Carry out the saga commands addressed to notes-service (saga.commands, group
      // kafka.consumerGroup); false keeps this process out of the group (tests, tools).
      consumer: Type.Boolean({ default: true }),
    },
    { default: {} },
  ),
  log: Type.Object({
    level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
});

/** The settings once loaded: grpcTls holds PEM texts, undefined when plaintext. */
export type NotesConfig = WithKafkaConnection<WithGrpcTls<Static<typeof NotesConfigSchema>>>;

/** Environment variable → setting it overrides. */
export const notesEnvBindings = {
  NOTES_DB_DSN: 'database.dsn',
  NOTES_GRPC_HOST: 'grpc.host',
  NOTES_GRPC_PORT: 'grpc.port',
  ...grpcTlsEnvBindings,
  NOTES_HTTP_HOST: 'http.host',
  NOTES_HTTP_PORT: 'http.port',
  NOTES_DB_MAX_CONNECTIONS: 'database.maxConnections',
  NOTES_MIGRATE_ON_START: 'database.migrateOnStart',
  KAFKA_BROKERS: 'kafka.brokers',
  ...kafkaSecurityEnvBindings,
  NOTES_CONSUMER_GROUP: 'kafka.consumerGroup',
  OUTBOX_RELAY: 'outbox.relay',
  SAGA_CONSUMER: 'saga.consumer',
  LOG_LEVEL: 'log.level',
};

/**
 * config.yaml, then the environment, then overrides (dotted paths, for tests). Throws a
 * ConfigError naming the first bad setting.
 */
export function loadNotesConfig(
  env: Record<string, string | undefined>,
  overrides?: Record<string, unknown>,
): NotesConfig {
  return withKafkaConnection(
    withGrpcTls(
      loadConfig({
        schema: NotesConfigSchema,
        file: join(import.meta.dirname, '..', 'config.yaml'),
        env,
        envBindings: notesEnvBindings,
        overrides,
      }),
    ),
  );
}
