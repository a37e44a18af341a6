import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@notes/config';
import { loadNotesConfig } from '../../src/config.ts';

const required = { NOTES_DB_DSN: 'postgres://notes@localhost/notes', GRPC_PLAINTEXT: 'true' };

test('KAFKA_BROKERS sets kafka.brokers; the outbox relay runs in the service unless OUTBOX_RELAY is false', () => {
  const config = loadNotesConfig({ ...required, KAFKA_BROKERS: 'k1:9092,k2:9092' });
  assert.equal(config.kafka.brokers, 'k1:9092,k2:9092');
  assert.equal(config.outbox.relay, true);
  assert.equal(loadNotesConfig({ ...required, KAFKA_BROKERS: 'k:9092', OUTBOX_RELAY: 'false' }).outbox.relay, false);
  assert.equal(loadNotesConfig({ ...required, KAFKA_BROKERS: 'k:9092', OUTBOX_RELAY: 'true' }).outbox.relay, true);
});

test('kafka.brokers is required, and the error names KAFKA_BROKERS', () => {
  assert.throws(
    () => loadNotesConfig(required),
    (error) =>
      error instanceof ConfigError &&
      /^invalid setting kafka\.brokers \(env KAFKA_BROKERS\): is required$/.test(error.message),
  );
});

test('the saga-command consumer runs unless SAGA_CONSUMER is false, in group notes-service unless NOTES_CONSUMER_GROUP names another', () => {
  const env = { ...required, KAFKA_BROKERS: 'k:9092' };
  assert.deepEqual(loadNotesConfig(env).saga, { consumer: true });
  assert.equal(loadNotesConfig(env).kafka.consumerGroup, 'notes-service');
  const other = loadNotesConfig({ ...env, SAGA_CONSUMER: 'false', NOTES_CONSUMER_GROUP: 'notes-service-blue' });
  assert.deepEqual(other.saga, { consumer: false });
  assert.equal(other.kafka.consumerGroup, 'notes-service-blue');
});

test('the operations port is 127.0.0.1:8082 unless NOTES_HTTP_HOST and NOTES_HTTP_PORT say otherwise', () => {
  const env = { ...required, KAFKA_BROKERS: 'k:9092' };
  assert.deepEqual(loadNotesConfig(env).http, { host: '127.0.0.1', port: 8082 });
  assert.deepEqual(loadNotesConfig({ ...env, NOTES_HTTP_HOST: '0.0.0.0', NOTES_HTTP_PORT: '9102' }).http, {
    host: '0.0.0.0',
    port: 9102,
  });
});
