import type { Client } from '@connectrpc/connect';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Note, NoteOrder, type NotesService } from '@notes/contracts/notes/v1';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { AccessTokenVerifier } from '../access-token.ts';
import { requireAccessToken } from '../authenticate.ts';
import { etagOf, parseIfMatch } from '../etag.ts';
import { fingerprintRequest, idempotencyKeyHeader, idempotencyOf, markReplayed } from '../idempotency-key.ts';
import { bearerAuth } from '../openapi.ts';
import { ProblemError } from '../problem.ts';
import {
  CreateNoteRequestSchema,
  emptyResponse,
  jsonResponse,
  ListNotesQuerySchema,
  NoteIdParamsSchema,
  NotePageSchema,
  NoteSchema,
  PatchNoteRequestSchema,
  problemResponses,
  ref,
  UpdateNoteRequestSchema,
} from '../schemas.ts';
import { type CallOptionsFor, isoTime, required } from '../upstream.ts';
import type { TypeboxApp } from './typebox-app.ts';

/** What these routes need of notes-service. */
export type NotesClient = Pick<
  Client<typeof NotesService>,
  'createNote' | 'getNote' | 'listNotes' | 'updateNote' | 'patchNote' | 'deleteNote' | 'listTags' | 'listNoteChanges'
>;

export interface NotesRoutesDeps {
  notesClient: NotesClient;
  accessTokenVerifier: AccessTokenVerifier;
  callOptions: CallOptionsFor;
}

const ifMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'The ETag the note must still have (or `*`).' })),
  ...idempotencyKeyHeader,
});

const idempotencyKeyHeaders = Type.Object(idempotencyKeyHeader);

const idempotencyProblems = {
  409: 'A request with this `Idempotency-Key` is still being processed: retry later.',
  422: 'This `Idempotency-Key` was used with another request (method, path or body).',
} as const;

const noteNotFound = "No such note: it never existed, was deleted, or is someone else's.";

/**
 * The caller's notes (/v1/notes). Every route is authenticated, and the owner of every upstream
 * call is the token's subject: nothing in a request can name another owner.
 */
export function notesRoutes(deps: NotesRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    requireAccessToken(app, deps.accessTokenVerifier);
    createNote(app, deps);
    listNotes(app, deps);
    getNote(app, deps);
    updateNote(app, deps);
    app.register(async (scope) => patchNote(scope, deps));
    deleteNote(app, deps);
  };
}

function createNote(app: TypeboxApp, { notesClient, callOptions }: NotesRoutesDeps): void {
  app.post(
    '/v1/notes',
    {
      schema: {
        summary: 'Create a note',
        tags: ['notes'],
        security: bearerAuth,
        headers: idempotencyKeyHeaders,
        body: ref(CreateNoteRequestSchema),
        response: {
          201: jsonResponse('The note, created.', ref(NoteSchema), ['location', 'etag', 'idempotent-replayed']),
          ...problemResponses([400, 401, 409, 413, 415, 422], idempotencyProblems),
        },
      },
      preParsing: fingerprintRequest,
    },
    async (request, reply) => {
      const { title, content = '', tags, pinned, archived } = request.body;
      const idempotency = idempotencyOf(request);
      const { note, replayed } = await notesClient.createNote(
        { ownerId: request.ownerId, title, content, tags, pinned, archived, idempotency },
        callOptions(request),
      );
      const created = required(note, 'note');
      reply.code(201).header('location', `/v1/notes/${created.id}`);
      markReplayed(reply, replayed);
      return sendNote(reply, created);
    },
  );
}

const sortOrders = { default: NoteOrder.UNSPECIFIED, relevance: NoteOrder.RELEVANCE, newest: NoteOrder.NEWEST };

function listNotes(app: TypeboxApp, { notesClient, callOptions }: NotesRoutesDeps): void {
  app.get(
    '/v1/notes',
    {
      schema: {
        summary: "List or search the caller's notes, a page at a time, by archived, pinned and tags",
        description:
          'Newest first; with `q`, most relevant first (or newest with `sort=newest`). Walking every page ' +
          '(passing each `next_cursor` as `cursor`, with the same filters) returns every match exactly once, ' +
          'even while notes are being created.',
        tags: ['notes'],
        security: bearerAuth,
        querystring: ref(ListNotesQuerySchema),
        response: {
          200: jsonResponse('A page of notes.', ref(NotePageSchema)),
          ...problemResponses([400, 401], {
            400:
              'A `limit` out of 1..100, a bad `tag`, a `q` out of 1..200 characters or without a word to look for, ' +
              'a `sort` other than relevance or newest (relevance only with `q`), or a `cursor` that does not decode ' +
              'or was made under other filters.',
          }),
        },
      },
    },
    async (request) => {
      const { limit, cursor = '', archived, pinned, tag = [], q = '', sort } = request.query;
      const page = await notesClient.listNotes(
        { ownerId: request.ownerId, limit, cursor, archived, pinned, tag, q, sort: sortOrders[sort ?? 'default'] },
        callOptions(request),
      );
      return { items: page.notes.map(noteBody), next_cursor: page.nextCursor === '' ? null : page.nextCursor };
    },
  );
}

function getNote(app: TypeboxApp, { notesClient, callOptions }: NotesRoutesDeps): void {
  app.get(
    '/v1/notes/:id',
    {
      schema: {
        summary: 'Get a note',
        tags: ['notes'],
        security: bearerAuth,
        params: ref(NoteIdParamsSchema),
        response: {
          200: jsonResponse('The note.', ref(NoteSchema), ['etag']),
          ...problemResponses([400, 401, 404], { 400: 'The id is not a UUID.', 404: noteNotFound }),
        },
      },
    },
    async (request, reply) => {
      const { note } = await notesClient.getNote(
        { ownerId: request.ownerId, noteId: request.params.id },
        callOptions(request),
      );
      return sendNote(reply, required(note, 'note'));
    },
  );
}

function updateNote(app: TypeboxApp, deps: NotesRoutesDeps): void {
  app.put(
    '/v1/notes/:id',
    {
      schema: {
        summary: 'Replace a note',
        description: 'With `If-Match: <ETag>` the update happens only while the note is still at that version.',
        tags: ['notes'],
        security: bearerAuth,
        params: ref(NoteIdParamsSchema),
        headers: ifMatchHeaders,
        body: ref(UpdateNoteRequestSchema),
        response: {
          200: jsonResponse('The note, updated: `updated_at` moved, a new ETag.', ref(NoteSchema), [
            'etag',
            'idempotent-replayed',
          ]),
          ...problemResponses([400, 401, 404, 409, 412, 413, 415, 422], {
            404: noteNotFound,
            ...idempotencyProblems,
          }),
        },
      },
      preParsing: fingerprintRequest,
    },
    async (request, reply) => {
      const noteId = request.params.id;
      const expectedVersion = await expectedVersionOf(deps, request, noteId);
      const { title, content, tags, pinned, archived } = request.body;
      const idempotency = idempotencyOf(request);
      const { note, replayed } = await deps.notesClient.updateNote(
        { ownerId: request.ownerId, noteId, title, content, tags, pinned, archived, expectedVersion, idempotency },
        deps.callOptions(request),
      );
      markReplayed(reply, replayed);
      return sendNote(reply, required(note, 'note'));
    },
  );
}

const mergePatch = 'application/merge-patch+json';

type NotePatch = Static<typeof PatchNoteRequestSchema>;

/**
 * PATCH as JSON Merge Patch (RFC 7396), in a scope of its own: only there is merge-patch+json a
 * body type, and only merge-patch+json is taken there.
 */
function patchNote(app: TypeboxApp, deps: NotesRoutesDeps): void {
  app.addContentTypeParser(mergePatch, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  app.patch(
    '/v1/notes/:id',
    {
      schema: {
        summary: 'Change some fields of a note (JSON Merge Patch)',
        description:
          '`Content-Type: application/merge-patch+json`. Only the fields given change; `null` restores a ' +
          "field's default. With `If-Match: <ETag>` the patch applies only while the note is still at that " +
          'version. A patch that breaks a rule changes nothing.',
        tags: ['notes'],
        security: bearerAuth,
        params: ref(NoteIdParamsSchema),
        headers: ifMatchHeaders,
        body: { content: { [mergePatch]: { schema: ref(PatchNoteRequestSchema) } } },
        response: {
          200: jsonResponse('The note, changed: `updated_at` moved, a new ETag.', ref(NoteSchema), [
            'etag',
            'idempotent-replayed',
          ]),
          ...problemResponses([400, 401, 404, 409, 412, 413, 415, 422], {
            404: noteNotFound,
            415: 'The body is not a JSON Merge Patch (`Content-Type: application/merge-patch+json`).',
            ...idempotencyProblems,
          }),
        },
      },
      preParsing: fingerprintRequest,
      preValidation: async (request) => {
        if (request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() !== mergePatch) {
          throw new ProblemError(415, `A PATCH body must be ${mergePatch}.`);
        }
      },
    },
    async (request, reply) => {
      const noteId = request.params.id;
      const expectedVersion = await expectedVersionOf(deps, request, noteId);
      // Validated against the schema of its one content type, which the type provider does not follow.
      const { title, content, tags, pinned, archived } = request.body as NotePatch;
      const idempotency = idempotencyOf(request);
      // null removes a field in a merge patch: here it restores the field's default.
      const { note, replayed } = await deps.notesClient.patchNote(
        {
          ownerId: request.ownerId,
          noteId,
          title,
          content: content === null ? '' : content,
          tags: tags === undefined ? undefined : { tags: tags ?? [] },
          pinned: pinned === null ? false : pinned,
          archived: archived === null ? false : archived,
          expectedVersion,
          idempotency,
        },
        deps.callOptions(request),
      );
      markReplayed(reply, replayed);
      return sendNote(reply, required(note, 'note'));
    },
  );
}

function deleteNote(app: TypeboxApp, { notesClient, callOptions }: NotesRoutesDeps): void {
  app.delete(
    '/v1/notes/:id',
    {
      schema: {
        summary: 'Delete a note',
        tags: ['notes'],
        security: bearerAuth,
        params: ref(NoteIdParamsSchema),
        headers: idempotencyKeyHeaders,
        response: {
          204: emptyResponse('The note is deleted.', ['idempotent-replayed']),
          ...problemResponses([400, 401, 404, 409, 422], {
            400: 'The id is not a UUID, or the `Idempotency-Key` is malformed.',
            404: noteNotFound,
            ...idempotencyProblems,
          }),
        },
      },
      preParsing: fingerprintRequest,
    },
    async (request, reply) => {
      const { replayed } = await notesClient.deleteNote(
        { ownerId: request.ownerId, noteId: request.params.id, idempotency: idempotencyOf(request) },
        callOptions(request),
      );
      markReplayed(reply, replayed);
      return reply.code(204).send(null);
    },
  );
}

/**
 * The `expected_version` for an update: 0 (unconditional) without If-Match or with `*`, the
 * version its ETag names, or, when it lists several, the current version if it is among them.
 * notes-service compares atomically, so a concurrent update still ends in 412.
 */
async function expectedVersionOf(
  { notesClient, callOptions }: NotesRoutesDeps,
  request: FastifyRequest,
  noteId: string,
): Promise<bigint> {
  const header = request.headers['if-match'];
  if (header === undefined) return 0n;
  const ifMatch = parseIfMatch(header);
  if (ifMatch.kind === 'any') return 0n;
  const [only, ...others] = ifMatch.versions;
  if (only !== undefined && others.length === 0) return only;
  if (only !== undefined) {
    const { note } = await notesClient.getNote({ ownerId: request.ownerId, noteId }, callOptions(request));
    const current = required(note, 'note').version;
    if (ifMatch.versions.includes(current)) return current;
  }
  throw new ProblemError(412, 'The note has changed: If-Match does not name its current ETag.');
}

/** A note with its ETag header. */
function sendNote(reply: FastifyReply, note: Note) {
  return reply.header('etag', etagOf(note.version)).send(noteBody(note));
}

/** A note as the API shows it. */
export function noteBody(note: Note) {
  return {
    id: note.id,
    title: note.title,
    content: note.content,
    tags: note.tags,
    pinned: note.pinned,
    archived: note.archived,
    version: Number(note.version),
    created_at: isoTime(note.createdAt, 'created_at'),
    updated_at: isoTime(note.updatedAt, 'updated_at'),
  };
}
