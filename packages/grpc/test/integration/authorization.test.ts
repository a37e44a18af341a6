// authorizationInterceptor on a real server: the caller identity comes from the verified client
// certificate of the connection, and a plaintext server, having none, lets every call through.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { type CertificateAuthority, createCertificateAuthority } from '@notes/local-infra';
import { createLogger } from '@notes/logger';
import { Registry } from 'prom-client';
import {
  allowCallers,
  authorizationInterceptor,
  callers,
  createGrpcMetrics,
  createGrpcServer,
  createGrpcTransport,
  type GrpcServer,
  type GrpcTls,
  registerHealth,
  type ServiceCallers,
} from '../../src/index.ts';

// Health stands in for any service: here only the operator may check it.
const operatorOnly = [allowCallers(Health, { check: [callers.operator], list: [], watch: [] })];

interface Started {
  server: GrpcServer;
  url: string;
  logged: Record<string, unknown>[];
  registry: Registry;
}

async function start(tls: GrpcTls | undefined, lists: readonly ServiceCallers[] = operatorOnly): Promise<Started> {
  const logged: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: 'authorization-test',
    level: 'info',
    destination: { write: (line: string) => logged.push(JSON.parse(line)) },
  });
  const registry = new Registry();
  const metrics = createGrpcMetrics(registry);
  const server = createGrpcServer({
    host: '127.0.0.1',
    port: 0,
    tls,
    logger,
    interceptors: [metrics.server, authorizationInterceptor({ lists, logger, denied: metrics.denied })],
    routes: (router) => registerHealth(router, async () => true),
  });
  const { port } = await server.listen();
  return { server, url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, logged, registry };
}

async function codeOf(call: Promise<unknown>): Promise<Code | 'OK'> {
  try {
    await call;
    return 'OK';
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe('caller authorization on a gRPC server', () => {
  let ca: CertificateAuthority;
  let tlsServer: Started;
  const identity = async (name: string, hosts: string[]) => ({ ca: ca.cert, ...(await ca.issue(name, hosts)) });

  before(async () => {
    ca = await createCertificateAuthority('authorization test CA');
    tlsServer = await start(await identity('auth-service', ['127.0.0.1']));
  });
  after(() => tlsServer?.server.close());

  it('serves a caller the list names, every call of its connection', async () => {
    const health = createClient(Health, createGrpcTransport(tlsServer.url, { tls: await identity('operator', []) }));
    for (let call = 0; call < 3; call++) {
      assert.equal((await health.check({})).status, HealthCheckResponse_ServingStatus.SERVING);
    }
  });

  it('answers PERMISSION_DENIED to another caller of the platform CA, logged and counted', async () => {
    const health = createClient(Health, createGrpcTransport(tlsServer.url, { tls: await identity('bff-rest', []) }));
    assert.equal(await codeOf(health.check({})), Code.PermissionDenied);
    assert.ok(
      tlsServer.logged.some(
        (line) =>
          line.msg === 'gRPC call denied' &&
          line.grpcService === 'grpc.health.v1.Health' &&
          line.grpcMethod === 'Check' &&
          line.caller === 'bff-rest',
      ),
      'a warning naming the method and the caller',
    );
    const metrics = await tlsServer.registry.metrics();
    assert.match(
      metrics,
      /grpc_server_denied_total\{grpc_service="grpc\.health\.v1\.Health",grpc_method="Check",caller="bff-rest"\} 1/,
    );
    assert.match(metrics, /grpc_server_handled_total\{[^}]*grpc_method="Check",grpc_code="PERMISSION_DENIED"\} 1/);
  });

  it('denies a method whose list is empty, and a service without a list, to every caller', async () => {
    const tls = await identity('auth-service', ['127.0.0.1']);
    const operator = await identity('operator', []);
    for (const lists of [[allowCallers(Health, { check: [], list: [], watch: [] })], []]) {
      const started = await start(tls, lists);
      try {
        const health = createClient(Health, createGrpcTransport(started.url, { tls: operator }));
        assert.equal(await codeOf(health.check({})), Code.PermissionDenied);
      } finally {
        await started.server.close();
      }
    }
  });

  it('on a plaintext server, with no identity to ask, lets every call through', async () => {
    const plaintext = await start(undefined);
    try {
      const health = createClient(Health, createGrpcTransport(plaintext.url, { tls: undefined }));
      assert.equal((await health.check({})).status, HealthCheckResponse_ServingStatus.SERVING);
      assert.ok(
        plaintext.logged.some((line) => /no caller is authorized/.test(String(line.msg))),
        'the start-up warning says calls are not authorized',
      );
    } finally {
      await plaintext.server.close();
    }
  });
});
