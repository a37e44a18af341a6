import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ChangeFeedPage } from '../../change-streams/change-feed.ts';
import type { OpenChangeStreams } from '../../change-streams/open-streams.ts';
import type { AccessTokenVerifier } from '../access-token.ts';
import { requireAccessToken } from '../authenticate.ts';
import { bearerAuth } from '../openapi.ts';
import { ProblemError } from '../problem.ts';
import { problemResponses } from '../schemas.ts';

export interface ChangeStreamRoutesDeps {
  streams: OpenChangeStreams;
  accessTokenVerifier: AccessTokenVerifier;
}

const streamSlotRetrySeconds = 5;

const cursorSchema = Type.String({ minLength: 1, maxLength: 4096 });

/** GET /v1/notes/changes/stream: the change feed pushed as Server-Sent Events (docs/contract/rest-api.md, "Live changes"). */
export function changeStreamRoutes(deps: ChangeStreamRoutesDeps): FastifyPluginAsyncTypebox {
  const { streams } = deps;
  const { settings } = streams;
  return async (app) => {
    requireAccessToken(app, deps.accessTokenVerifier);
    app.get(
      '/v1/notes/changes/stream',
      {
        schema: {
          summary: "Stream the caller's note changes as Server-Sent Events",
          description:
            'The changes of GET /v1/notes/changes, as `change` events whose `id` is the cursor after the change. ' +
            'Resumes after `Last-Event-ID` (or `cursor`) without a gap; without either, starts with every live note. ' +
            `A comment line at least every ${settings.heartbeatSeconds} s; a last \`close\` event says why the stream ends ` +
            '(token-expired, slow-client, shutting-down, upstream-unavailable): reconnect with the last id.',
          tags: ['notes'],
          security: bearerAuth,
          querystring: Type.Object({ cursor: Type.Optional(cursorSchema) }),
          headers: Type.Object({ 'last-event-id': Type.Optional(cursorSchema) }),
          response: {
            200: {
              description: 'An event stream that lasts until the access token expires.',
              content: { 'text/event-stream': { schema: Type.String() } },
            },
            ...problemResponses([400, 401, 410], {
              400: 'A cursor that does not decode (`errors` names `cursor`).',
              410: 'The cursor is older than the retention of deletion markers (30 days at least): start again without one.',
              429: `The caller already has ${settings.maxPerUser} streams open on this replica, or too many requests from this client.`,
            }),
          },
        },
      },
      async (request, reply) => {
        const ownerId = request.ownerId;
        if (!streams.admits(ownerId)) {
          throw new ProblemError(429, `At most ${settings.maxPerUser} change streams may be open per user.`, {
            // A guess: a slot frees when one of the user's streams ends, which nobody can foresee.
            headers: { 'retry-after': String(streamSlotRetrySeconds) },
          });
        }
        // EventSource sends Last-Event-ID when it reconnects, with the URL (and its cursor) of the first connection.
        const cursor = request.headers['last-event-id'] ?? request.query.cursor;
        // Listening before the first read: a change committed meanwhile wakes the stream at once.
        const stream = streams.add(ownerId, request.accessExpiresAtMs);
        let firstPage: ChangeFeedPage;
        try {
          // Read before answering, so that a bad cursor is a problem, not a stream.
          firstPage = await streams.read(ownerId, cursor);
        } catch (error) {
          stream.abandon();
          throw error;
        }
        if (stream.closed) throw new ProblemError(503, 'This replica is shutting down: connect again.');
        reply.hijack();
        reply.raw.writeHead(200, {
          ...(reply.getHeaders() as Record<string, string>),
          'content-type': 'text/event-stream; charset=utf-8',
          // Proxies (nginx) would otherwise hold events back to fill their buffers.
          'x-accel-buffering': 'no',
        });
        stream.open(reply.raw, firstPage);
      },
    );
  };
}
