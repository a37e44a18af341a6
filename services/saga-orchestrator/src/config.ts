import { join } from 'node:path';
import { ConfigError, loadConfig } from '@notes/config';
import { grpcTlsEnvBindings, grpcTlsSettingsSchema, type WithGrpcTls, withGrpcTls } from '@notes/grpc';
import {
  kafkaSecurityEnvBindings,
  kafkaSecuritySettings,
  type WithKafkaConnection,
  withKafkaConnection,
} from '@notes/kafka';
import { type Static, Type } from 'typebox';

const listenAddress = Type.Object({
  host: Type.String({ minLength: 1 }),
  // 0 picks a free port (tests).
  port: Type.Integer({ minimum: 0, maximum: 65_535 }),
});

export const SagaConfigSchema = Type.Object({
  grpc: listenAddress,
  // Mutual TLS on the gRPC server and towards auth-service.
  grpcTls: grpcTlsSettingsSchema,
  http: listenAddress,
  database: Type.Object({
    dsn: Type.String({ minLength: 1 }),
    maxConnections: Type.Integer({ minimum: 1 }),
    migrateOnStart: Type.Boolean(),
  }),
  kafka: Type.Object({
    // Bootstrap brokers, "host:port[,host:port…]".
    brokers: Type.String({ minLength: 1 }),
    ...kafkaSecuritySettings,
    consumerGroup: Type.String({ minLength: 1 }),
    startAt: Type.Enum(['earliest', 'latest']),
  }),
  outbox: Type.Object({
    // Run the outbox relay in this process; false when stand-alone relays serve the outbox table.
    relay: Type.Boolean({ default: true }),
  }),
  auth: Type.Object({
    url: Type.String({ pattern: '^https?://' }),
    callTimeoutMs: Type.Integer({ minimum: 1 }),
  }),
  saga: Type.Object({
    stepTimeoutMs: Type.Integer({ minimum: 1 }),
    maxStepTimeoutMs: Type.Integer({ minimum: 1 }),
    maxAttempts: Type.Integer({ minimum: 1 }),
    scanIntervalMs: Type.Integer({ minimum: 1 }),
  }),
  log: Type.Object({
    level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
});

/** The settings once loaded: grpcTls holds PEM texts, undefined when plaintext. */
export type SagaConfig = WithKafkaConnection<WithGrpcTls<Static<typeof SagaConfigSchema>>>;

/** Environment variable → setting it overrides. */
export const sagaEnvBindings = {
  SAGA_DB_DSN: 'database.dsn',
  SAGA_DB_MAX_CONNECTIONS: 'database.maxConnections',
  SAGA_MIGRATE_ON_START: 'database.migrateOnStart',
  SAGA_GRPC_HOST: 'grpc.host',
  SAGA_GRPC_PORT: 'grpc.port',
  ...grpcTlsEnvBindings,
  SAGA_HTTP_HOST: 'http.host',
  SAGA_HTTP_PORT: 'http.port',
  AUTH_GRPC_URL: 'auth.url',
  KAFKA_BROKERS: 'kafka.brokers',
  ...kafkaSecurityEnvBindings,
  SAGA_CONSUMER_GROUP: 'kafka.consumerGroup',
  SAGA_CONSUMER_START_AT: 'kafka.startAt',
  OUTBOX_RELAY: 'outbox.relay',
  SAGA_STEP_TIMEOUT_MS: 'saga.stepTimeoutMs',
  SAGA_MAX_STEP_TIMEOUT_MS: 'saga.maxStepTimeoutMs',
  SAGA_MAX_ATTEMPTS: 'saga.maxAttempts',
  LOG_LEVEL: 'log.level',
};

/**
 * config.yaml, then the environment, then overrides (dotted paths, for tests). Throws a
 * ConfigError naming the first bad setting.
 */
export function loadSagaConfig(
  env: Record<string, string | undefined>,
  overrides?: Record<string, unknown>,
): SagaConfig {
  const config = loadConfig({
    schema: SagaConfigSchema,
    file: join(import.meta.dirname, '..', 'config.yaml'),
    env,
    envBindings: sagaEnvBindings,
    overrides,
  });
  if (config.saga.maxStepTimeoutMs < config.saga.stepTimeoutMs) {
    throw new ConfigError(
      'invalid setting saga.maxStepTimeoutMs (env SAGA_MAX_STEP_TIMEOUT_MS): must be at least saga.stepTimeoutMs',
    );
  }
  return withKafkaConnection(withGrpcTls(config));
}
