import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AccessTokenVerifier } from '../access-token.ts';
import { requireAccessToken } from '../authenticate.ts';
import { bearerAuth } from '../openapi.ts';
import { jsonResponse, problemResponses, ref, TagListSchema } from '../schemas.ts';
import type { CallOptionsFor } from '../upstream.ts';
import type { NotesClient } from './notes.ts';

export interface TagsRoutesDeps {
  notesClient: Pick<NotesClient, 'listTags'>;
  accessTokenVerifier: AccessTokenVerifier;
  callOptions: CallOptionsFor;
}

/** The caller's tags (/v1/tags), counted over their notes by notes-service. */
export function tagsRoutes({
  notesClient,
  accessTokenVerifier,
  callOptions,
}: TagsRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    requireAccessToken(app, accessTokenVerifier);
    app.get(
      '/v1/tags',
      {
        schema: {
          summary: "List the caller's tags with how many notes carry each",
          description: 'Over the live notes, archived ones included: most used first, then by name.',
          tags: ['notes'],
          security: bearerAuth,
          response: {
            200: jsonResponse("The caller's tags.", ref(TagListSchema)),
            ...problemResponses([401]),
          },
        },
      },
      async (request) => {
        const { tags } = await notesClient.listTags({ ownerId: request.ownerId }, callOptions(request));
        return { items: tags.map(({ tag, count }) => ({ tag, count: Number(count) })) };
      },
    );
  };
}
