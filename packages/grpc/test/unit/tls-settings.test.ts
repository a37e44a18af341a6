import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ConfigError } from '@notes/config';
import { createCertificateAuthority } from '@notes/local-infra';
import { type GrpcTls, readGrpcTls } from '../../src/index.ts';

describe('readGrpcTls: the grpcTls settings of a service', () => {
  let identity: GrpcTls;
  let otherKey: string;
  before(async () => {
    const ca = await createCertificateAuthority('settings test CA');
    identity = { ca: ca.cert, ...(await ca.issue('auth-service', ['auth-service'])) };
    otherKey = (await ca.issue('notes-service', ['notes-service'])).key;
  });

  it('gives the PEM texts (settings may hold them or name their files)', () => {
    assert.deepEqual(readGrpcTls({ plaintext: false, ...identity }), identity);
  });

  it('gives nothing when plaintext is asked for, whatever else is set', () => {
    assert.equal(readGrpcTls({ plaintext: true }), undefined);
    assert.equal(readGrpcTls({ plaintext: true, ...identity }), undefined);
  });

  it('without plaintext, a missing PEM stops start-up naming the setting and the way out', () => {
    for (const [name, env] of [
      ['ca', 'GRPC_TLS_CA'],
      ['cert', 'GRPC_TLS_CERT'],
      ['key', 'GRPC_TLS_KEY'],
    ] as const) {
      const settings = { plaintext: false, ...identity, [name]: undefined };
      assert.throws(
        () => readGrpcTls(settings),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.message.startsWith(`invalid setting grpcTls.${name} (env ${env}): is required`) &&
          error.message.includes('GRPC_PLAINTEXT=true'),
      );
    }
  });

  it('refuses a certificate with a key that is not its own, never quoting the key', () => {
    assert.throws(
      () => readGrpcTls({ plaintext: false, ...identity, key: otherKey }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /^invalid setting grpcTls/.test(error.message) &&
        !error.message.includes('PRIVATE KEY'),
    );
  });
});
