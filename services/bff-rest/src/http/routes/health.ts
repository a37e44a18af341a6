import type { Client } from '@connectrpc/connect';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { ProblemError } from '../problem.ts';
import { jsonResponse, problemResponse, ref, StatusSchema } from '../schemas.ts';

/** An upstream's grpc.health.v1 Health service. */
export type HealthClient = Pick<Client<typeof Health>, 'check'>;

export interface HealthRoutesDeps {
  /** The upstreams that must answer SERVING for the BFF to be ready, by name. */
  upstreams: Record<string, HealthClient>;
  /** How long /readyz waits for an upstream: a probe must answer quickly either way. */
  checkTimeoutMs: number;
}

/** Liveness (/healthz, the process answers) and readiness (/readyz, its upstreams serve). */
export function healthRoutes({ upstreams, checkTimeoutMs }: HealthRoutesDeps): FastifyPluginAsyncTypebox {
  const isServing = (client: HealthClient) =>
    client.check({ service: '' }, { timeoutMs: checkTimeoutMs }).then(
      (answer) => answer.status === HealthCheckResponse_ServingStatus.SERVING,
      () => false,
    );

  return async (app) => {
    // Probes are never rate limited.
    const notLimited = { rateLimit: false } as const;

    app.get(
      '/healthz',
      {
        config: notLimited,
        schema: {
          summary: 'Liveness: the process answers',
          tags: ['operations'],
          response: { 200: jsonResponse('Alive: `{"status": "ok"}`.', ref(StatusSchema)) },
        },
      },
      async () => ({ status: 'ok' }),
    );

    app.get(
      '/readyz',
      {
        config: notLimited,
        schema: {
          summary: 'Readiness: every gRPC upstream serves',
          tags: ['operations'],
          response: {
            200: jsonResponse('Ready: `{"status": "ready"}`.', ref(StatusSchema)),
            503: problemResponse(503, 'Not ready: `detail` names the upstreams that do not serve.'),
          },
        },
      },
      async () => {
        const checks = Object.entries(upstreams).map(async ([name, client]) => ({
          name,
          serving: await isServing(client),
        }));
        const notServing = (await Promise.all(checks)).filter((check) => !check.serving).map((check) => check.name);
        if (notServing.length > 0) throw new ProblemError(503, `Not ready: ${notServing.join(', ')} not serving.`);
        return { status: 'ready' };
      },
    );
  };
}
