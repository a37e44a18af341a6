// Internal calls are refused without a client certificate: every gRPC port of the platform
// (auth-service, notes-service, saga-orchestrator), run as `make dev` runs it, refuses a client
// without a certificate and one whose certificate another CA issued, and serves the platform's own.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { createGrpcTransport, type GrpcTls } from '@notes/grpc';
import { createCertificateAuthority } from '@notes/local-infra';
import { type RunningPlatform, startTestPlatform } from '../platform.ts';

const grpcServices = ['auth', 'notes', 'saga'] as const;

function healthCheck(url: string, tls: GrpcTls | undefined) {
  return createClient(Health, createGrpcTransport(url, { tls })).check({}, { timeoutMs: 5_000 });
}

/**
 * How Connect reports a connection the server would not talk on: a failed handshake (INTERNAL), a
 * refused or reset connection (UNAVAILABLE, ABORTED), a stream killed with its connection (CANCELED).
 */
const refusals = [Code.Internal, Code.Unavailable, Code.Aborted, Code.Canceled];

/** The call fails without an answer from the service. */
async function assertRefused(call: Promise<unknown>, what: string) {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof ConnectError, `${what}: a ConnectError, got ${error}`);
    assert.ok(refusals.includes(error.code), `${what}: ${error.message}`);
    return true;
  });
}

describe('mutual TLS on every internal gRPC port', () => {
  let platform: RunningPlatform;
  let platformTls: GrpcTls;
  let strangerTls: GrpcTls;

  before(async () => {
    platform = await startTestPlatform();
    assert.ok(platform.grpcClientTls, 'the platform runs with mutual TLS by default');
    platformTls = platform.grpcClientTls;
    const otherCa = await createCertificateAuthority('not the platform CA');
    // Trusts the platform CA (so the server is accepted) but presents a certificate of another CA.
    strangerTls = { ca: platformTls.ca, ...(await otherCa.issue('operator', ['operator'])) };
  });
  after(() => platform?.close());

  for (const name of grpcServices) {
    it(`${name}: serves a client certificate of the platform CA, refuses none and another CA's`, async () => {
      const url = platform.grpcUrl(name);
      assert.match(url, /^https:/);
      assert.equal((await healthCheck(url, platformTls)).status, HealthCheckResponse_ServingStatus.SERVING);
      await assertRefused(healthCheck(url, { ...platformTls, cert: '', key: '' }), `${name} without a certificate`);
      await assertRefused(healthCheck(url, strangerTls), `${name} with another CA's certificate`);
      await assertRefused(healthCheck(url, undefined), `${name} in cleartext`);
    });
  }
});
