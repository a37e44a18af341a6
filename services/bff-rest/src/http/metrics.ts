import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import { Type } from 'typebox';

/**
 * Every request's duration by method, route and status, in `registry` (the request rate and the
 * error rate are its _count by status), and GET /metrics, which serves the whole registry.
 */
export function createRequestMetrics(registry: Registry) {
  const durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route (its pattern; "unmatched" for unknown paths) and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  /** The app's onResponse hook: times every response. */
  async function onResponse(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const route = request.routeOptions.url ?? 'unmatched';
    durations.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  }

  /** GET /metrics: the Prometheus text exposition (not rate limited: scrapers come often). */
  const route: FastifyPluginAsyncTypebox = async (app) => {
    app.get(
      '/metrics',
      {
        config: { rateLimit: false },
        schema: {
          summary: 'Prometheus metrics',
          tags: ['operations'],
          response: {
            200: { description: 'The Prometheus text format.', content: { 'text/plain': { schema: Type.String() } } },
          },
        },
      },
      async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
    );
  };

  return { onResponse, route };
}
