import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError } from '@notes/config';
import { loadAuthConfig, loadMigrationConfig } from '../../src/config.ts';
import { generateRsaKeyPair } from '../support/keys.ts';

const { privateKeyPem } = generateRsaKeyPair();
const required = {
  AUTH_DB_DSN: 'postgres://auth@db.example:5432/auth',
  JWT_PRIVATE_KEY: privateKeyPem,
  KAFKA_BROKERS: 'kafka-1.example:9092,kafka-2.example:9092',
  GRPC_PLAINTEXT: 'true',
};
let directory: string;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'auth-config-'));
});

after(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('config.yaml supplies every default; the environment supplies the secrets and the brokers', () => {
  const config = loadAuthConfig({ env: required });
  assert.deepEqual(config, {
    grpc: { host: '127.0.0.1', port: 50051 },
    // GRPC_PLAINTEXT=true in `required`: no certificates.
    grpcTls: undefined,
    http: { host: '127.0.0.1', port: 8081 },
    database: { dsn: required.AUTH_DB_DSN, maxConnections: 10, migrateOnStart: true },
    kafka: {
      brokers: 'kafka-1.example:9092,kafka-2.example:9092',
      tls: false,
      consumerGroup: 'auth-service',
      connection: {},
    },
    outbox: { relay: true },
    saga: { consumer: true },
    jwt: {
      issuer: 'notes-platform',
      audience: 'notes-api',
      accessTtlSeconds: 900,
      refreshTtlSeconds: 2_592_000,
      privateKey: privateKeyPem,
      previousPublicKeys: [],
    },
    signIn: { maxFailures: 10, failureWindowSeconds: 900 },
    argon2: { memoryKiB: 19_456, iterations: 2, parallelism: 1 },
    log: { level: 'info' },
  });
});

test('environment variables override the file, converted to the setting types', () => {
  const config = loadAuthConfig({
    env: {
      ...required,
      AUTH_GRPC_HOST: '0.0.0.0',
      AUTH_GRPC_PORT: '6001',
      AUTH_HTTP_HOST: '0.0.0.0',
      AUTH_HTTP_PORT: '6002',
      AUTH_DB_MAX_CONNECTIONS: '3',
      AUTH_MIGRATE_ON_START: 'false',
      OUTBOX_RELAY: 'false',
      SAGA_CONSUMER: 'false',
      AUTH_CONSUMER_GROUP: 'auth-service-blue',
      JWT_ISSUER: 'issuer-x',
      JWT_AUDIENCE: 'audience-x',
      JWT_ACCESS_TTL_SECONDS: '60',
      JWT_REFRESH_TTL_SECONDS: '3600',
      SIGN_IN_MAX_FAILURES: '5',
      SIGN_IN_FAILURE_WINDOW_SECONDS: '60',
      LOG_LEVEL: 'debug',
    },
  });
  assert.deepEqual(config.signIn, { maxFailures: 5, failureWindowSeconds: 60 });
  assert.deepEqual(config.grpc, { host: '0.0.0.0', port: 6001 });
  assert.deepEqual(config.http, { host: '0.0.0.0', port: 6002 });
  assert.equal(config.database.maxConnections, 3);
  assert.equal(config.database.migrateOnStart, false);
  assert.equal(config.outbox.relay, false);
  assert.equal(config.saga.consumer, false);
  assert.equal(config.kafka.consumerGroup, 'auth-service-blue');
  assert.deepEqual(
    [config.jwt.issuer, config.jwt.audience, config.jwt.accessTtlSeconds, config.jwt.refreshTtlSeconds],
    ['issuer-x', 'audience-x', 60, 3600],
  );
  assert.equal(config.log.level, 'debug');
});

test('JWT_PRIVATE_KEY may name a PEM file, which is read', async () => {
  const file = join(directory, 'jwt-private.pem');
  await writeFile(file, privateKeyPem);
  assert.equal(loadAuthConfig({ env: { ...required, JWT_PRIVATE_KEY: file } }).jwt.privateKey, privateKeyPem);
});

test('a missing database DSN, signing key or Kafka brokers is a ConfigError naming it', () => {
  assert.throws(
    () => loadAuthConfig({ env: { ...required, AUTH_DB_DSN: undefined } }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, 'invalid setting database.dsn (env AUTH_DB_DSN): is required');
      return true;
    },
  );
  assert.throws(
    () => loadAuthConfig({ env: { ...required, JWT_PRIVATE_KEY: undefined } }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, 'invalid setting jwt.privateKey (env JWT_PRIVATE_KEY): is required');
      return true;
    },
  );
  assert.throws(
    () => loadAuthConfig({ env: { ...required, KAFKA_BROKERS: undefined } }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, 'invalid setting kafka.brokers (env KAFKA_BROKERS): is required');
      return true;
    },
  );
});

test('OUTBOX_RELAY and SAGA_CONSUMER must be booleans', () => {
  for (const [variable, setting] of [
    ['OUTBOX_RELAY', 'outbox.relay'],
    ['SAGA_CONSUMER', 'saga.consumer'],
  ] as const) {
    assert.throws(
      () => loadAuthConfig({ env: { ...required, [variable]: 'sometimes' } }),
      (error: unknown) => error instanceof ConfigError && error.message.startsWith(`invalid setting ${setting}`),
    );
  }
});

test('an unreadable key file, a non-PEM value or a non-RSA key is a ConfigError naming jwt.privateKey', async () => {
  const ecKeyFile = join(directory, 'ec.pem');
  const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  await writeFile(ecKeyFile, ecKey);
  const cases = [
    [join(directory, 'missing.pem'), /cannot read key file/],
    ['-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----', /not a private key in PEM/],
    [ecKeyFile, /RSA key is needed.*got ec/],
  ] as const;
  for (const [value, message] of cases) {
    assert.throws(
      () => loadAuthConfig({ env: { ...required, JWT_PRIVATE_KEY: value } }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^invalid setting jwt\.privateKey \(env JWT_PRIVATE_KEY\)/);
        assert.match(error.message, message);
        return true;
      },
    );
  }
});

test('JWT_PREVIOUS_PUBLIC_KEYS takes PEM texts and PEM files, separated by commas or newlines', async () => {
  const [first, second, third] = [generateRsaKeyPair(), generateRsaKeyPair(), generateRsaKeyPair()];
  const file = join(directory, 'previous.pem');
  const bundle = join(directory, 'previous-bundle.pem');
  await writeFile(file, first.publicKeyPem);
  await writeFile(bundle, `${second.publicKeyPem}${third.publicKeyPem}`);
  const previousKeys = (setting: string) =>
    loadAuthConfig({ env: { ...required, JWT_PREVIOUS_PUBLIC_KEYS: setting } }).jwt.previousPublicKeys.map((pem) =>
      pem.trim(),
    );
  const pems = [first, second, third].map((keys) => keys.publicKeyPem.trim());
  assert.deepEqual(previousKeys(`${file}, ${bundle}`), pems);
  assert.deepEqual(previousKeys(`${file}\n${bundle}\n`), pems);
  assert.deepEqual(previousKeys(`${first.publicKeyPem},${second.publicKeyPem}\n${third.publicKeyPem}`), pems);
  assert.deepEqual(previousKeys(`${first.publicKeyPem}\n${bundle}`), pems);
});

test('a previous key that is missing, private or not RSA is a ConfigError naming jwt.previousPublicKeys', async () => {
  const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' });
  const privateOnly = join(directory, 'private-only.pem');
  await writeFile(privateOnly, privateKeyPem);
  for (const setting of [join(directory, 'missing.pem'), privateOnly, ecKey.toString()]) {
    assert.throws(
      () => loadAuthConfig({ env: { ...required, JWT_PREVIOUS_PUBLIC_KEYS: setting } }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.startsWith('invalid setting jwt.previousPublicKeys (env JWT_PREVIOUS_PUBLIC_KEYS)'),
      setting,
    );
  }
});

test('Argon2 costs below the OWASP minimum are refused', () => {
  for (const [path, value] of [
    ['argon2.memoryKiB', 19_455],
    ['argon2.iterations', 1],
  ] as const) {
    assert.throws(
      () => loadAuthConfig({ env: required, overrides: { [path]: value } }),
      (error: unknown) => error instanceof ConfigError && error.message.includes(path),
    );
  }
});

test('migrations need only the database DSN', () => {
  const config = loadMigrationConfig({ env: { AUTH_DB_DSN: required.AUTH_DB_DSN } });
  assert.equal(config.database.dsn, required.AUTH_DB_DSN);
});
