import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { type CertificateAuthority, createCertificateAuthority } from '@notes/local-infra';
import { createLogger } from '@notes/logger';
import {
  createGrpcServer,
  createGrpcTransport,
  type GrpcServer,
  type GrpcTls,
  registerHealth,
} from '../../src/index.ts';

const logger = createLogger({ service: 'grpc-tls-test', level: 'silent' });

async function identity(ca: CertificateAuthority, name: string, hosts: string[]): Promise<GrpcTls> {
  return { ca: ca.cert, ...(await ca.issue(name, hosts)) };
}

function startServer(tls: GrpcTls): { server: GrpcServer; url: Promise<string> } {
  const server = createGrpcServer({
    host: '127.0.0.1',
    port: 0,
    interceptors: [],
    tls,
    logger,
    routes: (router) => registerHealth(router, async () => true),
  });
  return { server, url: server.listen().then((address) => `https://127.0.0.1:${address.port}`) };
}

/** Health/Check through a fresh transport (a connection of its own) presenting tls. */
async function check(url: string, tls: GrpcTls) {
  const health = createClient(Health, createGrpcTransport(url, { tls }));
  return (await health.check({}, { timeoutMs: 5_000 })).status;
}

/**
 * How Connect reports a connection the server would not talk on: a failed handshake (INTERNAL), a
 * refused or reset connection (UNAVAILABLE, ABORTED), and, with TLS 1.3, where the server checks
 * the client certificate after the client's side of the handshake is done, a stream killed with
 * its connection (CANCELED).
 */
const refusals = [Code.Internal, Code.Unavailable, Code.Aborted, Code.Canceled];

/** The call fails without an answer from the service. */
async function assertRefused(call: Promise<unknown>) {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof ConnectError, `a ConnectError, got ${error}`);
    assert.ok(refusals.includes(error.code), `${Code[error.code]}: ${error.message}`);
    return true;
  });
}

describe('mutual TLS between a gRPC server and its clients', () => {
  let platformCa: CertificateAuthority;
  let otherCa: CertificateAuthority;
  let serverTls: GrpcTls;
  let clientTls: GrpcTls;
  let running: { server: GrpcServer; url: Promise<string> };
  let url: string;

  before(async () => {
    [platformCa, otherCa] = await Promise.all([
      createCertificateAuthority('test platform CA'),
      createCertificateAuthority('another CA'),
    ]);
    serverTls = await identity(platformCa, 'auth-service', ['auth-service', 'localhost', '127.0.0.1']);
    clientTls = await identity(platformCa, 'bff-rest', ['bff-rest']);
    running = startServer(serverTls);
    url = await running.url;
  });
  after(() => running.server.close());

  it('serves a client presenting a certificate of the platform CA', async () => {
    assert.equal(await check(url, clientTls), HealthCheckResponse_ServingStatus.SERVING);
    // The scheme follows the TLS setting: an http:// URL is spoken over TLS all the same.
    assert.equal(await check(url.replace('https:', 'http:'), clientTls), HealthCheckResponse_ServingStatus.SERVING);
  });

  it('refuses a client without a certificate', async () => {
    const noCertificate = { ...clientTls, cert: '', key: '' };
    await assertRefused(check(url, noCertificate));
  });

  it('refuses a client whose certificate another CA issued', async () => {
    const stranger = { ...(await identity(otherCa, 'bff-rest', ['bff-rest'])), ca: platformCa.cert };
    await assertRefused(check(url, stranger));
  });

  it('refuses a cleartext client', async () => {
    await assertRefused(check(url, undefined as unknown as GrpcTls));
  });

  it('refuses a server whose certificate does not name the host called', async () => {
    const elsewhere = startServer(await identity(platformCa, 'notes-service', ['notes-service']));
    try {
      await assertRefused(check(await elsewhere.url, clientTls));
      // A certificate naming the host called (a DNS name here) is accepted.
      const named = startServer(await identity(platformCa, 'notes-service', ['localhost']));
      try {
        const namedPort = new URL(await named.url).port;
        assert.equal(
          await check(`https://localhost:${namedPort}`, clientTls),
          HealthCheckResponse_ServingStatus.SERVING,
        );
      } finally {
        await named.server.close();
      }
    } finally {
      await elsewhere.server.close();
    }
  });

  it('refuses a server whose certificate another CA issued', async () => {
    const impostor = startServer({
      ...(await identity(otherCa, 'auth-service', ['127.0.0.1'])),
      ca: platformCa.cert,
    });
    try {
      await assertRefused(check(await impostor.url, clientTls));
    } finally {
      await impostor.server.close();
    }
  });

  it('takes renewed certificates and CA without a restart (reloadTls)', async () => {
    const renewing = startServer(serverTls);
    try {
      const renewedUrl = await renewing.url;
      const newCa = await createCertificateAuthority('renewed platform CA');
      const newClient = await identity(newCa, 'bff-rest', ['bff-rest']);
      await assertRefused(check(renewedUrl, newClient));
      renewing.server.reloadTls(await identity(newCa, 'auth-service', ['127.0.0.1']));
      assert.equal(await check(renewedUrl, newClient), HealthCheckResponse_ServingStatus.SERVING);
      await assertRefused(check(renewedUrl, clientTls));
    } finally {
      await renewing.server.close();
    }
  });
});
