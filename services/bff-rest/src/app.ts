import fastifyRateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '@notes/logger';
import { tracingEnabled } from '@notes/telemetry';
import Fastify, { type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { OpenChangeStreams } from './change-streams/open-streams.ts';
import type { BffConfig } from './config.ts';
import { retryOnUnavailable } from './grpc/retry.ts';
import { createJwksAccessTokenVerifier, type Jwks } from './http/access-token.ts';
import { collectAllowedMethods } from './http/allowed-methods.ts';
import { createRequestMetrics } from './http/metrics.ts';
import { registerOpenApi } from './http/openapi.ts';
import { createNotFoundHandler, handleError } from './http/problem.ts';
import { limitRequestsPerIp } from './http/rate-limits.ts';
import { requestIdFor } from './http/request-id.ts';
import { OneLinePerRequest } from './http/request-log.ts';
import { type AuthClient, authRoutes } from './http/routes/auth.ts';
import { changeStreamRoutes } from './http/routes/change-stream.ts';
import { type HealthClient, healthRoutes } from './http/routes/health.ts';
import { noteChangesRoutes } from './http/routes/note-changes.ts';
import { type NotesClient, notesRoutes } from './http/routes/notes.ts';
import { type SagaClient, sagaRoutes } from './http/routes/sagas.ts';
import { tagsRoutes } from './http/routes/tags.ts';
import { componentSchemas } from './http/schemas.ts';
import { refuseUnstorableText } from './http/text-input.ts';
import { traceRequests } from './http/tracing.ts';
import { upstreamCallOptions } from './http/upstream.ts';
import { buildRequestValidator } from './http/validation.ts';
import { webClientRoutes } from './http/web-client.ts';

export interface AppDeps {
  config: Pick<BffConfig, 'http' | 'upstreams' | 'rateLimits' | 'jwt' | 'web'>;
  logger: Logger;
  /** The composition root's Prometheus registry: the app adds its HTTP series and serves it at /metrics. */
  registry: Registry;
  authClient: AuthClient;
  notesClient: NotesClient;
  sagaClient: SagaClient;
  /** This replica's change streams (GET /v1/notes/changes/stream), which the Kafka signals wake. */
  changeStreams: OpenChangeStreams;
  /** The Health services of the upstreams /readyz checks, by name (`auth`, `notes`, `saga`). */
  upstreamHealth: Record<string, HealthClient>;
}

/** How long /readyz waits for each upstream's health answer. */
const readinessCheckTimeoutMs = 1_000;

/** The public REST API as a Fastify instance, not yet listening. */
export function buildApp(deps: AppDeps) {
  const { http, upstreams, rateLimits, jwt, web } = deps.config;
  const app = Fastify({
    // As Fastify's logger type, so that the app is a plain FastifyInstance to the helpers it is passed to.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: http.bodyLimitBytes,
    trustProxy: http.trustProxy === '' ? false : http.trustProxy,
    genReqId: (request) => requestIdFor(request.headers['x-request-id']),
    logController: new OneLinePerRequest(),
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

  // First: every other hook, the handler and their log lines run inside the request's span.
  if (tracingEnabled()) traceRequests(app);
  // Bodies are JSON only: text/plain (parsed by default) is a 415 like any other type.
  app.removeContentTypeParser('text/plain');
  for (const schema of componentSchemas) app.addSchema(schema);
  app.addHook('onRequest', async (request, reply) => setStandardHeaders(request, reply));
  app.addHook('preValidation', refuseUnstorableText);
  const metrics = createRequestMetrics(deps.registry);
  app.addHook('onResponse', metrics.onResponse);
  app.register(fastifyRateLimit, { global: false });
  app.after(() => limitRequestsPerIp(app, rateLimits.perIp));
  app.setErrorHandler(handleError);
  // Before the routes: every route registered after it adds its methods to the 405's Allow.
  const routes = collectAllowedMethods(app.initialConfig);
  app.addHook('onRoute', routes.onRoute);
  app.setNotFoundHandler(createNotFoundHandler(routes.allowedMethods));
  // Before the routes: it documents every route registered after it.
  registerOpenApi(app);

  // Idempotent reads are retried while their upstream answers UNAVAILABLE; writes never are.
  const retry = { attempts: upstreams.readAttempts, backoffMs: upstreams.retryBackoffMs };
  const authClient = { ...deps.authClient, getJwks: retryOnUnavailable(deps.authClient.getJwks, retry) };
  const notesClient = {
    ...deps.notesClient,
    getNote: retryOnUnavailable(deps.notesClient.getNote, retry),
    listNotes: retryOnUnavailable(deps.notesClient.listNotes, retry),
    listNoteChanges: retryOnUnavailable(deps.notesClient.listNoteChanges, retry),
  };
  const sagaClient = { ...deps.sagaClient, getSaga: retryOnUnavailable(deps.sagaClient.getSaga, retry) };

  const accessTokenVerifier = createJwksAccessTokenVerifier({
    fetchJwks: async () =>
      JSON.parse((await authClient.getJwks({}, { timeoutMs: upstreams.timeoutMs })).jwksJson) as Jwks,
    pinnedPublicKeyPem: jwt.publicKey,
    issuer: jwt.issuer,
    audience: jwt.audience,
    refetchIntervalMs: jwt.jwksRefetchIntervalMs,
    maxAgeMs: jwt.jwksMaxAgeMs,
  });
  const callOptions = upstreamCallOptions(upstreams.timeoutMs);
  app.register(healthRoutes({ upstreams: deps.upstreamHealth, checkTimeoutMs: readinessCheckTimeoutMs }));
  app.register(metrics.route);
  app.register(authRoutes({ authClient, callOptions, failedSignInsPerIp: rateLimits.failedSignInsPerIp }));
  app.register(notesRoutes({ notesClient, accessTokenVerifier, callOptions }));
  app.register(tagsRoutes({ notesClient, accessTokenVerifier, callOptions }));
  app.register(noteChangesRoutes({ notesClient, accessTokenVerifier, callOptions }));
  app.register(changeStreamRoutes({ streams: deps.changeStreams, accessTokenVerifier }));
  // Streams never end by themselves: closing ends them first, so that close() is not held up.
  app.addHook('preClose', () => deps.changeStreams.closeAll('shutting-down'));
  app.register(sagaRoutes({ sagaClient, accessTokenVerifier, callOptions }));
  app.register(webClientRoutes(web.assetsDir));
  return app;
}

export type BffApp = ReturnType<typeof buildApp>;

/**
 * On every answer, errors included: the request id, no MIME sniffing, and no caching anywhere on
 * the way (answers carry tokens, emails and private notes; the JWKS, meant to be cached, says so itself).
 */
function setStandardHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply
    .header('x-request-id', request.id)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store');
}
