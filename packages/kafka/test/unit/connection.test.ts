import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@notes/config';
import { kafkaConnection, kafkaConnectionFromEnv } from '../../src/connection.ts';

const caPem = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
const certPem = '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n';
const keyPem = '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n';

describe('kafkaConnection: the settings as @platformatic/kafka client options', () => {
  it('asks for nothing by default: plaintext, no authentication', () => {
    assert.deepEqual(kafkaConnection({ tls: false }), {});
  });

  it('KAFKA_TLS=true: TLS trusting the system CAs', () => {
    assert.deepEqual(kafkaConnection({ tls: true }), { tls: { minVersion: 'TLSv1.2' } });
  });

  // PEM texts here; a file path is read by pemFromSetting (@notes/config), as for every key setting.
  it('a CA turns TLS on; a client certificate and key make it mutual', () => {
    assert.deepEqual(kafkaConnection({ tls: false, tlsCa: caPem }), {
      tls: { minVersion: 'TLSv1.2', ca: caPem },
    });
    assert.deepEqual(kafkaConnection({ tls: false, tlsCa: caPem, tlsCert: certPem, tlsKey: keyPem }), {
      tls: { minVersion: 'TLSv1.2', ca: caPem, cert: certPem, key: keyPem },
    });
  });

  it('SASL: the mechanism with its user name and password', () => {
    assert.deepEqual(
      kafkaConnection({ tls: true, saslMechanism: 'SCRAM-SHA-512', saslUsername: 'notes', saslPassword: 's3cret' }),
      {
        tls: { minVersion: 'TLSv1.2' },
        sasl: { mechanism: 'SCRAM-SHA-512', username: 'notes', password: 's3cret' },
      },
    );
  });

  it('refuses incomplete settings with a ConfigError naming the setting (never its value)', () => {
    const refused = (settings: Parameters<typeof kafkaConnection>[0], pattern: RegExp) =>
      assert.throws(
        () => kafkaConnection(settings),
        (error: unknown) =>
          error instanceof ConfigError && pattern.test(error.message) && !/s3cret/.test(error.message),
      );
    refused({ tls: false, tlsCert: certPem }, /kafka\.tlsKey \(env KAFKA_TLS_KEY\)/);
    refused({ tls: false, tlsKey: keyPem }, /kafka\.tlsCert \(env KAFKA_TLS_CERT\)/);
    refused({ tls: false, saslMechanism: 'PLAIN', saslPassword: 's3cret' }, /kafka\.saslUsername/);
    refused({ tls: false, saslMechanism: 'PLAIN', saslUsername: 'notes' }, /kafka\.saslPassword/);
    refused({ tls: false, saslUsername: 'notes', saslPassword: 's3cret' }, /kafka\.saslMechanism/);
  });

  it('kafkaConnectionFromEnv reads the same variables for the stand-alone tools', () => {
    assert.deepEqual(
      kafkaConnectionFromEnv({
        KAFKA_TLS_CA: caPem,
        KAFKA_SASL_MECHANISM: 'PLAIN',
        KAFKA_SASL_USERNAME: 'relay',
        KAFKA_SASL_PASSWORD: 's3cret',
      }),
      {
        tls: { minVersion: 'TLSv1.2', ca: caPem },
        sasl: { mechanism: 'PLAIN', username: 'relay', password: 's3cret' },
      },
    );
    assert.deepEqual(kafkaConnectionFromEnv({ KAFKA_TLS: 'false', KAFKA_SASL_MECHANISM: '' }), {});
    assert.throws(() => kafkaConnectionFromEnv({ KAFKA_SASL_MECHANISM: 'GSSAPI' }), ConfigError);
  });
});
