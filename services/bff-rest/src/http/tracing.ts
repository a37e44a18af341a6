import { recordFailure } from '@notes/telemetry';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';

const tracer = trace.getTracer('@notes/bff-rest');

/**
 * A SERVER span per request, a child of the client's traceparent/tracestate when it sent one,
 * named by method and route pattern ("POST /v1/notes"), with the response status. The span is the
 * active context for everything the request runs: later hooks, body parsing (the request and
 * response emitters are bound to it), the handler and its gRPC calls, and the log lines written
 * meanwhile. Register it first, so its hook runs before the others.
 */
export function traceRequests(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      route === undefined ? request.method : `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0] ?? request.url,
          'url.scheme': request.protocol,
          ...(route === undefined ? {} : { 'http.route': route }),
          'client.address': request.ip,
          'notes.request_id': request.id,
        },
      },
      propagation.extract(ROOT_CONTEXT, request.headers),
    );
    reply.raw.once('close', () => {
      span.setAttribute('http.response.status_code', reply.raw.statusCode);
      if (!reply.raw.writableFinished)
        recordFailure(span, new Error('the connection closed before the response ended'));
      else if (reply.raw.statusCode >= 500) recordFailure(span, new Error(`HTTP ${reply.raw.statusCode}`));
      span.end();
    });
    const active = trace.setSpan(ROOT_CONTEXT, span);
    context.bind(active, request.raw);
    context.bind(active, reply.raw);
    context.with(active, done);
  });
}
