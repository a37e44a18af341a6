import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { NoteChange } from '@notes/contracts/notes/v1';
import type { AccessTokenVerifier } from '../access-token.ts';
import { refusedMethod } from '../allowed-methods.ts';
import { requireAccessToken } from '../authenticate.ts';
import { bearerAuth } from '../openapi.ts';
import { jsonResponse, ListNoteChangesQuerySchema, NoteChangePageSchema, problemResponses, ref } from '../schemas.ts';
import type { CallOptionsFor } from '../upstream.ts';
import { type NotesClient, noteBody } from './notes.ts';

export interface NoteChangesRoutesDeps {
  notesClient: Pick<NotesClient, 'listNoteChanges'>;
  accessTokenVerifier: AccessTokenVerifier;
  callOptions: CallOptionsFor;
}

export const noteChangesPath = '/v1/notes/changes';

/**
 * The caller's change feed (/v1/notes/changes, delta sync), served by notes-service's
 * ListNoteChanges: its cursors and the cursor each change carries are the live stream's too.
 */
export function noteChangesRoutes(deps: NoteChangesRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Outside the authenticated scope, as every 405 is answered before authentication.
    app.route({
      method: ['PUT', 'PATCH', 'DELETE'],
      url: noteChangesPath,
      schema: { hide: true },
      config: refusedMethod,
      handler: (_request, reply) => reply.callNotFound(),
    });
    app.register(async (scope) => {
      requireAccessToken(scope, deps.accessTokenVerifier);
      listNoteChanges(scope, deps);
    });
  };
}

function listNoteChanges(app: Parameters<FastifyPluginAsyncTypebox>[0], deps: NoteChangesRoutesDeps): void {
  app.get(
    noteChangesPath,
    {
      schema: {
        summary: "The caller's changes after a cursor (delta sync)",
        description:
          'Without `cursor`: every live note (archived included) as `upsert`, a page at a time, then a ' +
          '`next_cursor`. With it: every change committed after it, whatever order the writes committed ' +
          'in (a slow transaction is never skipped), each note at its latest state, deletions as `delete`. ' +
          'Follow `next_cursor` while `has_more`; later, resume from the last `next_cursor`.',
        tags: ['notes'],
        security: bearerAuth,
        querystring: ref(ListNoteChangesQuerySchema),
        response: {
          200: jsonResponse('A page of changes.', ref(NoteChangePageSchema)),
          ...problemResponses([400, 401, 410], {
            400: 'A `limit` out of 1..500, or a `cursor` that does not decode.',
            410: 'The cursor is older than the retention of deletion markers (30 days at least): start again without one.',
          }),
        },
      },
    },
    async (request) => {
      const { limit, cursor = '' } = request.query;
      const page = await deps.notesClient.listNoteChanges(
        { ownerId: request.ownerId, limit, cursor },
        deps.callOptions(request),
      );
      return { changes: page.changes.map(changeBody), next_cursor: page.nextCursor, has_more: page.hasMore };
    },
  );
}

/** A change as the API shows it: `{"op":"upsert","note":…}` or `{"op":"delete","id":…,"version":…}`. */
export function changeBody({ change }: NoteChange) {
  switch (change.case) {
    case 'upsert':
      return { op: 'upsert' as const, note: noteBody(change.value) };
    case 'delete':
      return { op: 'delete' as const, id: change.value.id, version: Number(change.value.version) };
    default:
      throw new Error('upstream change without an operation');
  }
}
