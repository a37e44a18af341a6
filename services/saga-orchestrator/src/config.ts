import { join } from 'node:path';
import { ConfigError, loadConfig } from '@notes/config';
import { type WithGrpcTls, withGrpcTls } from '@notes/grpc';
import { type WithKafkaConnection, withKafkaConnection } from '@notes/kafka';
import { grpcServiceEnvBindings, grpcServiceSettings } from '@notes/service-main';
import { type Static, Type } from 'typebox';

export const SagaConfigSchema = Type.Object({
  ...grpcServiceSettings,
  kafka: Type.Object({
    ...grpcServiceSettings.kafka.properties,
    // Where the group starts on a partition it has no committed offset for.
    startAt: Type.Enum(['earliest', 'latest']),
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
    finishedRetentionDays: Type.Integer({ minimum: 15 }),
  }),
});

/** The settings once loaded: grpcTls holds PEM texts, undefined when plaintext. */
export type SagaConfig = WithKafkaConnection<WithGrpcTls<Static<typeof SagaConfigSchema>>>;

/** Environment variable → setting it overrides. */
export const sagaEnvBindings = {
  ...grpcServiceEnvBindings('SAGA'),
  AUTH_GRPC_URL: 'auth.url',
  SAGA_CONSUMER_START_AT: 'kafka.startAt',
  SAGA_STEP_TIMEOUT_MS: 'saga.stepTimeoutMs',
  SAGA_MAX_STEP_TIMEOUT_MS: 'saga.maxStepTimeoutMs',
  SAGA_MAX_ATTEMPTS: 'saga.maxAttempts',
  SAGA_FINISHED_RETENTION_DAYS: 'saga.finishedRetentionDays',
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
