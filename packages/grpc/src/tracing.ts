import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { currentLogFields, withLogFields } from '@notes/logger';
import { fetchHeadersGetter, fetchHeadersSetter, recordFailure } from '@notes/telemetry';
import { type Context, context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('@notes/grpc');

/** The metadata that carries the BFF's request id to the servers' logs. */
const requestIdHeader = 'x-request-id';

/**
 * Server side: a SERVER span per call, a child of the caller's traceparent/tracestate metadata,
 * active while the call is handled (so its SQL, outbox rows and logs join the trace); every line
 * logged inside carries the caller's x-request-id as request_id. Outermost among the interceptors.
 */
export function tracingServerInterceptor(): Interceptor {
  return (next) => (request) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.header, fetchHeadersGetter);
    const requestId = request.header.get(requestIdHeader);
    const call = () =>
      inRpcSpan(SpanKind.SERVER, request.service.typeName, request.method.name, parent, serverErrorCodes, () =>
        next(request),
      );
    return requestId === null ? call() : withLogFields({ request_id: requestId }, call);
  };
}

/**
 * Client side: a CLIENT span per call, its context sent as traceparent/tracestate metadata, and
 * the request id of the work in hand (if any, and if the caller set none) as x-request-id.
 */
export function tracingClientInterceptor(): Interceptor {
  return (next) => (request) =>
    inRpcSpan(SpanKind.CLIENT, request.service.typeName, request.method.name, context.active(), allCodes, () => {
      propagation.inject(context.active(), request.header, fetchHeadersSetter);
      const requestId = currentLogFields()?.request_id;
      if (requestId !== undefined && !request.header.has(requestIdHeader))
        request.header.set(requestIdHeader, requestId);
      return next(request);
    });
}

// The OpenTelemetry conventions: a server span is failed for these codes only (the others are the
// caller's mistake); a client span for every code but OK.
const serverErrorCodes: ReadonlySet<Code> = new Set([
  Code.Unknown,
  Code.DeadlineExceeded,
  Code.Unimplemented,
  Code.Internal,
  Code.Unavailable,
  Code.DataLoss,
]);
const allCodes: Pick<ReadonlySet<Code>, 'has'> = { has: () => true };

/** Runs a call in its span (active inside), with the rpc.* attributes and the gRPC status code. */
function inRpcSpan<T>(
  kind: SpanKind,
  service: string,
  method: string,
  parent: Context,
  failingCodes: Pick<ReadonlySet<Code>, 'has'>,
  call: () => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(
    `${service}/${method}`,
    { kind, attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method } },
    parent,
  );
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      const response = await call();
      // 0 is gRPC's OK (Connect's Code has no member for it).
      span.setAttribute('rpc.grpc.status_code', 0);
      return response;
    } catch (error) {
      const code = ConnectError.from(error).code;
      span.setAttribute('rpc.grpc.status_code', code);
      if (failingCodes.has(code)) recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
