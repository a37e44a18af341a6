import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '@notes/logger';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { BffConfig } from './config.ts';
import type { AccessTokenVerifier } from './http/access-token.ts';
import { handleError, handleNotFound } from './http/problem.ts';
import { requestIdFor } from './http/request-id.ts';
import { type AuthClient, authRoutes } from './http/routes/auth.ts';
import { type HealthClient, healthRoutes } from './http/routes/health.ts';
import { type NotesClient, notesRoutes } from './http/routes/notes.ts';
import { type SagaClient, sagaRoutes } from './http/routes/sagas.ts';
import { componentSchemas } from './http/schemas.ts';
import { upstreamCallOptions } from './http/upstream.ts';
import { buildRequestValidator } from './http/validation.ts';

export interface AppDeps {
  config: { http: Pick<BffConfig['http'], 'bodyLimitBytes'>; upstreams: Pick<BffConfig['upstreams'], 'timeoutMs'> };
  logger: Logger;
  authClient: AuthClient;
  notesClient: NotesClient;
  sagaClient: SagaClient;
  /** The Health services of the upstreams /readyz checks, by name (`auth`, `notes`, `saga`). */
  upstreamHealth: Record<string, HealthClient>;
  accessTokenVerifier: AccessTokenVerifier;
}

/** How long /readyz waits for each upstream's health answer. */
const readinessCheckTimeoutMs = 1_000;

/** The public REST API as a Fastify instance, not yet listening. */
export function buildApp(deps: AppDeps) {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.config.http.bodyLimitBytes,
    genReqId: (request) => requestIdFor(request.headers['x-request-id']),
    // While draining, requests still arriving on open connections are served (their answer is
    // a normal one, with Connection: close) rather than a bare non-problem 503.
    return503OnClosing: false,
    schemaController: { compilersFactory: { buildValidator: buildRequestValidator } },
    // Bad URLs and the like, rejected before routing, are problems with the usual headers too.
    frameworkErrors: (error, request, reply) => {
      setStandardHeaders(request, reply);
      handleError(error, request, reply);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are JSON only: text/plain (parsed by default) is a 415 like any other type.
  app.removeContentTypeParser('text/plain');
  for (const schema of componentSchemas) app.addSchema(schema);
  app.addHook('onRequest', async (request, reply) => setStandardHeaders(request, reply));
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  const callOptions = upstreamCallOptions(deps.config.upstreams.timeoutMs);
  app.register(healthRoutes({ upstreams: deps.upstreamHealth, checkTimeoutMs: readinessCheckTimeoutMs }));
  app.register(authRoutes({ authClient: deps.authClient, callOptions }));
  app.register(
    notesRoutes({ notesClient: deps.notesClient, accessTokenVerifier: deps.accessTokenVerifier, callOptions }),
    { prefix: '/v1/notes' },
  );
  app.register(sagaRoutes({ sagaClient: deps.sagaClient, accessTokenVerifier: deps.accessTokenVerifier, callOptions }));
  return app;
}

export type BffApp = ReturnType<typeof buildApp>;

function setStandardHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff');
}
