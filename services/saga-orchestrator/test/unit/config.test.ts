import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@notes/config';
import { loadSagaConfig } from '../../src/config.ts';

const required = { SAGA_DB_DSN: 'postgres://saga@localhost/saga', KAFKA_BROKERS: 'k:9092', GRPC_PLAINTEXT: 'true' };

test('the defaults: gRPC on 50053, operations on 8083, auth-service on 50051, 10 s × 6 attempts, relay in-process', () => {
  const config = loadSagaConfig(required);
  assert.deepEqual(config.grpc, { host: '127.0.0.1', port: 50053 });
  assert.deepEqual(config.http, { host: '127.0.0.1', port: 8083 });
  assert.equal(config.auth.url, 'http://127.0.0.1:50051');
  assert.deepEqual(config.saga, {
    stepTimeoutMs: 10_000,
    maxStepTimeoutMs: 300_000,
    maxAttempts: 6,
    scanIntervalMs: 500,
    finishedRetentionDays: 30,
  });
  assert.deepEqual(config.kafka, {
    brokers: 'k:9092',
    consumerGroup: 'saga-orchestrator',
    startAt: 'earliest',
    tls: false,
    connection: {},
  });
  assert.equal(config.outbox.relay, true);
});

test('the environment overrides them', () => {
  const config = loadSagaConfig({
    ...required,
    SAGA_GRPC_HOST: '0.0.0.0',
    SAGA_GRPC_PORT: '6000',
    SAGA_HTTP_PORT: '6001',
    AUTH_GRPC_URL: 'http://auth:50051',
    OUTBOX_RELAY: 'false',
    SAGA_STEP_TIMEOUT_MS: '2000',
    SAGA_MAX_ATTEMPTS: '4',
    SAGA_FINISHED_RETENTION_DAYS: '90',
    SAGA_CONSUMER_GROUP: 'blue',
    SAGA_CONSUMER_START_AT: 'latest',
    KAFKA_GROUP_PROTOCOL: 'consumer',
    LOG_LEVEL: 'debug',
  });
  assert.deepEqual(config.grpc, { host: '0.0.0.0', port: 6000 });
  assert.equal(config.http.port, 6001);
  assert.equal(config.auth.url, 'http://auth:50051');
  assert.equal(config.outbox.relay, false);
  assert.equal(config.saga.stepTimeoutMs, 2_000);
  assert.equal(config.saga.maxAttempts, 4);
  assert.equal(config.saga.finishedRetentionDays, 90);
  assert.deepEqual(config.kafka, {
    brokers: 'k:9092',
    consumerGroup: 'blue',
    startAt: 'latest',
    groupProtocol: 'consumer',
    tls: false,
    connection: {},
  });
  assert.equal(config.log.level, 'debug');
});

test('the Kafka TLS and SASL settings become the client options in kafka.connection', () => {
  const config = loadSagaConfig({
    ...required,
    KAFKA_TLS: 'true',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
    KAFKA_SASL_USERNAME: 'saga-orchestrator',
    KAFKA_SASL_PASSWORD: 'from-a-secret',
  });
  assert.deepEqual(config.kafka.connection, {
    tls: { minVersion: 'TLSv1.2' },
    sasl: { mechanism: 'SCRAM-SHA-256', username: 'saga-orchestrator', password: 'from-a-secret' },
  });
  assert.throws(
    () => loadSagaConfig({ ...required, KAFKA_SASL_MECHANISM: 'PLAIN' }),
    /kafka\.saslUsername \(env KAFKA_SASL_USERNAME\)/,
  );
});

for (const [name, missing] of [
  ['database.dsn', 'SAGA_DB_DSN'],
  ['kafka.brokers', 'KAFKA_BROKERS'],
] as const) {
  test(`${name} is required, and the error names ${missing}`, () => {
    const env: Record<string, string> = { ...required };
    delete env[missing];
    assert.throws(
      () => loadSagaConfig(env),
      (error) =>
        error instanceof ConfigError && error.message === `invalid setting ${name} (env ${missing}): is required`,
    );
  });
}

test('a rebalance protocol other than classic or consumer is refused, naming KAFKA_GROUP_PROTOCOL', () => {
  assert.throws(
    () => loadSagaConfig({ ...required, KAFKA_GROUP_PROTOCOL: 'eager' }),
    (error) => error instanceof ConfigError && /kafka\.groupProtocol \(env KAFKA_GROUP_PROTOCOL\)/.test(error.message),
  );
});

test('a step timeout longer than the longest one allowed is refused', () => {
  assert.throws(
    () => loadSagaConfig({ ...required, SAGA_STEP_TIMEOUT_MS: '600000' }),
    (error) => error instanceof ConfigError && /saga\.maxStepTimeoutMs/.test(error.message),
  );
});

test('finished sagas are kept longer than processed_events keeps the ids of the events that started them', () => {
  assert.throws(
    () => loadSagaConfig({ ...required, SAGA_FINISHED_RETENTION_DAYS: '14' }),
    (error) => error instanceof ConfigError && /saga\.finishedRetentionDays/.test(error.message),
  );
});
