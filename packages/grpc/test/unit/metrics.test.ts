import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { Registry } from 'prom-client';
import { createGrpcMetrics, grpcCodeName } from '../../src/metrics.ts';

test('status codes are named as gRPC names them', () => {
  assert.equal(grpcCodeName(Code.InvalidArgument), 'INVALID_ARGUMENT');
  assert.equal(grpcCodeName(Code.NotFound), 'NOT_FOUND');
  assert.equal(grpcCodeName(Code.Unavailable), 'UNAVAILABLE');
  assert.equal(grpcCodeName(Code.DeadlineExceeded), 'DEADLINE_EXCEEDED');
});

test('the server and client interceptors count and time each RPC by service, method and code', async () => {
  const registry = new Registry();
  const metrics = createGrpcMetrics(registry);
  let answer: 'serving' | 'unavailable' = 'serving';
  const transport = createRouterTransport(
    (router) =>
      router.rpc(Health.method.check, async () => {
        if (answer === 'unavailable') throw new ConnectError('the database is away', Code.Unavailable);
        return { status: HealthCheckResponse_ServingStatus.SERVING };
      }),
    { router: { interceptors: [metrics.server] }, transport: { interceptors: [metrics.client] } },
  );
  const health = createClient(Health, transport);
  await health.check({});
  await health.check({});
  answer = 'unavailable';
  await assert.rejects(health.check({}), (error) => ConnectError.from(error).code === Code.Unavailable);

  const text = await registry.metrics();
  for (const side of ['server', 'client']) {
    const labels = (code: string) => `grpc_service="grpc.health.v1.Health",grpc_method="Check",grpc_code="${code}"`;
    assert.match(text, new RegExp(`^grpc_${side}_handled_total\\{${labels('OK')}\\} 2$`, 'm'));
    assert.match(text, new RegExp(`^grpc_${side}_handled_total\\{${labels('UNAVAILABLE')}\\} 1$`, 'm'));
    assert.match(text, new RegExp(`^grpc_${side}_handling_seconds_count\\{${labels('OK')}\\} 2$`, 'm'));
  }
});
