import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type Interceptor } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { createCertificateAuthority } from '@notes/local-infra';
import { createLogger } from '@notes/logger';
import { createGrpcServer, createGrpcTransport, type GrpcServer, type GrpcTls } from '../../src/index.ts';

const logger = createLogger({ service: 'grpc-buffered-response-test', level: 'silent' });
const { SERVING } = HealthCheckResponse_ServingStatus;

/**
 * Reads a streamed response only after it has all arrived and its HTTP/2 stream has closed, as a
 * busy client often does (bff-rest under load): Node 24.20+ then failed Connect's read of the
 * complete response with "Premature close" (nodejs/node#65677).
 */
const readLate: Interceptor = (next) => async (request) => {
  const response = await next(request);
  await sleep(100);
  return response;
};

function startServer(tls: GrpcTls | undefined): GrpcServer {
  return createGrpcServer({
    host: '127.0.0.1',
    port: 0,
    interceptors: [],
    tls,
    logger,
    routes: (router) => {
      router.rpc(Health.method.check, async () => ({ status: SERVING }));
      router.rpc(Health.method.watch, async function* () {
        yield { status: SERVING };
        yield { status: SERVING };
      });
    },
  });
}

describe('responses received in full before the client reads them', () => {
  let clientTls: GrpcTls;
  let tlsServer: GrpcServer;
  let plaintextServer: GrpcServer;
  const urls = { tls: '', plaintext: '' };

  before(async () => {
    const ca = await createCertificateAuthority('buffered response test CA');
    clientTls = { ca: ca.cert, ...(await ca.issue('bff-rest', ['bff-rest'])) };
    tlsServer = startServer({ ca: ca.cert, ...(await ca.issue('notes-service', ['127.0.0.1'])) });
    plaintextServer = startServer(undefined);
    urls.tls = `https://127.0.0.1:${(await tlsServer.listen()).port}`;
    urls.plaintext = `http://127.0.0.1:${(await plaintextServer.listen()).port}`;
  });
  after(() => Promise.all([tlsServer.close(), plaintextServer.close()]));

  for (const name of ['tls', 'plaintext'] as const) {
    it(`are read whole (${name})`, async () => {
      let connections = 0;
      // Asked at each new connection: counts the TLS handshakes the calls took.
      const tls = () => {
        connections += 1;
        return clientTls;
      };
      const transport = createGrpcTransport(urls[name], {
        tls: name === 'tls' ? tls : undefined,
        interceptors: [readLate],
      });
      const health = createClient(Health, transport);
      const watches = Array.from({ length: 16 }, async () => {
        const statuses = [];
        for await (const answer of health.watch({}, { timeoutMs: 5_000 })) statuses.push(answer.status);
        return statuses;
      });
      assert.deepEqual(await Promise.all(watches), Array(16).fill([SERVING, SERVING]));
      const checks = await Promise.all(Array.from({ length: 64 }, () => health.check({}, { timeoutMs: 5_000 })));
      assert.deepEqual(new Set(checks.map((answer) => answer.status)), new Set([SERVING]));
      // The session stays open across the calls: one handshake, not one per call.
      if (name === 'tls') assert.equal(connections, 1);
    });
  }
});
