import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { createLogger } from '@notes/logger';
import { type InMemoryTracing, startInMemoryTracing } from '@notes/telemetry/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { tracingClientInterceptor, tracingServerInterceptor } from '../../src/tracing.ts';

let tracing: InMemoryTracing;
before(() => {
  tracing = startInMemoryTracing();
});
after(async () => {
  await tracing.stop();
});

/** A Health service whose Check logs one line (or fails with the given code), behind the tracing interceptors. */
function tracedHealth(options: { clientTracing: boolean }) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const logger = createLogger({ service: 'test-service', level: 'info', destination });
  let failWith: Code | undefined;
  const transport = createRouterTransport(
    (router) =>
      router.rpc(Health.method.check, async () => {
        logger.info('checking');
        if (failWith !== undefined) throw new ConnectError('no', failWith);
        return { status: HealthCheckResponse_ServingStatus.SERVING };
      }),
    {
      router: { interceptors: [tracingServerInterceptor()] },
      transport: { interceptors: options.clientTracing ? [tracingClientInterceptor()] : [] },
    },
  );
  return {
    health: createClient(Health, transport),
    lines,
    fail: (code: Code) => {
      failWith = code;
    },
  };
}

test('the server continues the caller’s traceparent, and its log lines carry the trace and request ids', async () => {
  const { health, lines } = tracedHealth({ clientTracing: false });
  await health.check(
    {},
    {
      headers: {
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        'x-request-id': 'req-123',
      },
    },
  );
  const server = tracing
    .spans()
    .find((span) => span.kind === SpanKind.SERVER && span.spanContext().traceId === '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.ok(server, 'a server span in the caller’s trace');
  assert.equal(server.name, 'grpc.health.v1.Health/Check');
  assert.equal(server.parentSpanContext?.spanId, '00f067aa0ba902b7');
  assert.equal(server.attributes['rpc.system'], 'grpc');
  assert.equal(server.attributes['rpc.grpc.status_code'], 0);
  const [line] = lines;
  assert.equal(line?.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(line?.span_id, server.spanContext().spanId);
  assert.equal(line?.request_id, 'req-123');
});

test('the client sends its span as traceparent; failures set the status code', async () => {
  const { health, fail } = tracedHealth({ clientTracing: true });
  fail(Code.Internal);
  await assert.rejects(health.check({}));
  const client = tracing.spans().findLast((span) => span.kind === SpanKind.CLIENT);
  const server = tracing.spans().findLast((span) => span.kind === SpanKind.SERVER);
  assert.ok(client && server);
  assert.equal(server.parentSpanContext?.spanId, client.spanContext().spanId, 'the server is the client’s child');
  for (const span of [client, server]) {
    assert.equal(span.attributes['rpc.grpc.status_code'], Code.Internal);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  }
  // A caller's mistake is no failure of the server.
  fail(Code.NotFound);
  await assert.rejects(health.check({}));
  const notFound = tracing.spans().findLast((span) => span.kind === SpanKind.SERVER);
  assert.equal(notFound?.attributes['rpc.grpc.status_code'], Code.NotFound);
  assert.equal(notFound?.status.code, SpanStatusCode.UNSET);
});
