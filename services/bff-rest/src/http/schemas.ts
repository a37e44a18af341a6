// The JSON schemas of every request and response, written once: Fastify validates requests and
// serializes responses with them, and the OpenAPI document is generated from them. Each has a
// $id (its component name) and descriptions; field names are snake_case, as on the wire.
import { type Static, type TSchema, Type } from 'typebox';

/** The `pattern` that rejects blank titles; validation errors name it "must not be blank". */
export const notBlankPattern = '\\S';

const uuid = (description: string) => Type.String({ format: 'uuid', description });
const time = (description: string) =>
  Type.String({ format: 'date-time', description: `${description} (RFC 3339, UTC)` });
const strictObject = { additionalProperties: false } as const;

// ---- problems

export const FieldErrorSchema = Type.Object(
  {
    field: Type.String({ description: 'The invalid field, e.g. `email`.' }),
    message: Type.String({ description: 'What is wrong with it.' }),
  },
  { $id: 'FieldError', description: 'One invalid input field.' },
);

/** One invalid input field of a 400, named as the public API spells it. */
export type FieldError = Static<typeof FieldErrorSchema>;

export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      description: 'A URI reference naming the problem type; `about:blank` for plain HTTP statuses.',
    }),
    title: Type.String({ description: 'The HTTP status phrase.' }),
    status: Type.Integer({ description: 'Equal to the HTTP status code.' }),
    detail: Type.String({ description: 'What went wrong, for humans.' }),
    instance: Type.String({ description: 'The request path.' }),
    errors: Type.Optional(Type.Array(FieldErrorSchema, { description: 'The invalid fields (400 only).' })),
  },
  { $id: 'Problem', description: 'An RFC 9457 problem (application/problem+json).' },
);

/** An RFC 9457 problem details body; `status` always equals the HTTP status. */
export type Problem = Static<typeof ProblemSchema>;

// ---- auth

const password = (minLength: number) =>
  Type.String({ minLength, maxLength: 128, description: `${minLength} to 128 characters (Unicode code points).` });

export const SignUpRequestSchema = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254, description: 'Stored and compared lower-cased.' }),
    password: password(12),
  },
  { ...strictObject, $id: 'SignUpRequest', description: 'A new account.' },
);

export const SignInRequestSchema = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    // Any stored password may be presented: the 12-character minimum applies when one is chosen.
    password: password(1),
  },
  { ...strictObject, $id: 'SignInRequest', description: 'Credentials to exchange for a token pair.' },
);

export const RefreshTokenRequestSchema = Type.Object(
  { refresh_token: Type.String({ minLength: 1, maxLength: 512, description: 'An opaque refresh token.' }) },
  {
    ...strictObject,
    $id: 'RefreshTokenRequest',
    description: 'A refresh token to use (refresh) or revoke (sign-out).',
  },
);

export const UserSchema = Type.Object(
  {
    user_id: uuid('The user id.'),
    email: Type.String({ description: 'The email address, lower-cased.' }),
    created_at: time('When the account was created'),
  },
  { $id: 'User', description: 'A created account.' },
);

export const TokenPairSchema = Type.Object(
  {
    access_token: Type.String({ description: 'A JWT (RS256) for `Authorization: Bearer`.' }),
    token_type: Type.String({ description: 'Always `Bearer`.' }),
    expires_in: Type.Integer({ description: 'Seconds until the access token expires.' }),
    refresh_token: Type.String({ description: 'Opaque and single-use.' }),
    refresh_expires_in: Type.Integer({ description: 'Seconds until the refresh token expires.' }),
  },
  { $id: 'TokenPair', description: 'An access token and a refresh token (OAuth 2.0 token response fields).' },
);

export const AccessTokenSchema = Type.Object(
  {
    access_token: Type.String({ description: 'A JWT (RS256) for `Authorization: Bearer`.' }),
    token_type: Type.String({ description: 'Always `Bearer`.' }),
    expires_in: Type.Integer({ description: 'Seconds until the access token expires.' }),
  },
  {
    $id: 'AccessToken',
    description: "A browser session's access token; its refresh token is in an HttpOnly cookie, never in a body.",
  },
);

export const JwksSchema = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        {
          kty: Type.String(),
          kid: Type.String(),
          alg: Type.String(),
          use: Type.String(),
        },
        { additionalProperties: true, description: 'A public JWK (RFC 7517); RSA keys also carry `n` and `e`.' },
      ),
    ),
  },
  { $id: 'Jwks', description: 'The public keys that verify access tokens.' },
);

// ---- notes

const title = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: notBlankPattern,
  description: '1 to 200 characters, not blank.',
});
const contentDescription = '0 to 100,000 characters.';

/** At most this many tags per note (notes-service normalizes each and applies the rest of the rules). */
export const maxTagsPerNote = 20;

const tagsDescription =
  `At most ${maxTagsPerNote}. Each is trimmed, lower-cased and loses a leading \`#\`, then must be 1 to 40 ` +
  'Unicode letters, digits, `-` or `_`; duplicates collapse.';
// Optional in both writes: PUT replaces the whole note, so an omitted one takes its default.
const noteOptions = {
  tags: Type.Optional(
    Type.Array(Type.String(), { maxItems: maxTagsPerNote, default: [], description: `${tagsDescription} Default [].` }),
  ),
  pinned: Type.Optional(Type.Boolean({ default: false, description: 'Default false.' })),
  archived: Type.Optional(Type.Boolean({ default: false, description: 'Default false.' })),
};

export const CreateNoteRequestSchema = Type.Object(
  {
    title,
    content: Type.Optional(
      Type.String({ maxLength: 100_000, default: '', description: `${contentDescription} Default "".` }),
    ),
    ...noteOptions,
  },
  { ...strictObject, $id: 'CreateNoteRequest', description: 'A new note.' },
);

export const UpdateNoteRequestSchema = Type.Object(
  { title, content: Type.String({ maxLength: 100_000, description: contentDescription }), ...noteOptions },
  {
    ...strictObject,
    $id: 'UpdateNoteRequest',
    description: 'The whole note anew: tags, pinned and archived left out take their defaults.',
  },
);

/** A JSON type that also takes null: in a merge patch, null removes a field, which here restores its default. */
const orNull = <T extends TSchema>(schema: T, description: string) =>
  Type.Unsafe<Static<T> | null>({
    ...schema,
    type: [(schema as unknown as { type: string }).type, 'null'],
    description,
  });

export const PatchNoteRequestSchema = Type.Object(
  {
    title: Type.Optional(title),
    content: Type.Optional(orNull(Type.String({ maxLength: 100_000 }), `${contentDescription} null: "".`)),
    tags: Type.Optional(
      orNull(Type.Array(Type.String(), { maxItems: maxTagsPerNote }), `${tagsDescription} null: [].`),
    ),
    pinned: Type.Optional(orNull(Type.Boolean(), 'null: false.')),
    archived: Type.Optional(orNull(Type.Boolean(), 'null: false.')),
  },
  {
    $id: 'PatchNoteRequest',
    description:
      'A JSON Merge Patch (RFC 7396) of a note: only the fields given change; null restores a default ' +
      '(the title cannot be removed).',
  },
);

export const NoteSchema = Type.Object(
  {
    id: uuid('The note id.'),
    title: Type.String(),
    content: Type.String(),
    tags: Type.Array(Type.String(), { description: 'Normalized (lower-case, without `#`), sorted.' }),
    pinned: Type.Boolean(),
    archived: Type.Boolean(),
    version: Type.Integer({
      minimum: 1,
      description: 'Starts at 1, one more with every update: the number the `ETag` quotes.',
    }),
    created_at: time('When the note was created'),
    updated_at: time('When the note last changed'),
  },
  { $id: 'Note', description: 'A note of the caller.' },
);

export const NotePageSchema = Type.Object(
  {
    items: Type.Array(NoteSchema, { description: 'Newest first (created_at, then id).' }),
    next_cursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page.',
    }),
  },
  { $id: 'NotePage', description: "A page of the caller's notes." },
);

export const TagListSchema = Type.Object(
  {
    items: Type.Array(
      Type.Object({
        tag: Type.String({ description: 'A tag, normalized.' }),
        count: Type.Integer({ minimum: 1, description: 'How many of the live notes carry it.' }),
      }),
      { description: 'Most used first, then by name.' },
    ),
  },
  { $id: 'TagList', description: "The caller's tags over their live notes, archived ones included." },
);

/** How a list of notes may be ordered (`sort`). */
export const noteOrders = ['relevance', 'newest'] as const;

export const ListNotesQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1 to 100.' })),
    cursor: Type.Optional(
      Type.String({
        maxLength: 512,
        description: '`next_cursor` of the previous page, with the same filters (others are a 400).',
      }),
    ),
    archived: Type.Optional(
      Type.Boolean({ default: false, description: 'true: archived notes only; false: only notes not archived.' }),
    ),
    pinned: Type.Optional(Type.Boolean({ description: 'Pinned notes only, or only unpinned ones; absent: both.' })),
    tag: Type.Optional(
      Type.Array(Type.String(), {
        maxItems: maxTagsPerNote,
        description: "Repeatable: notes carrying every tag given (each normalized as a note's tags are).",
      }),
    ),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'Full-text search over title and content, 1 to 200 characters, any case, any language (words are ' +
          'found by their exact form). Every word must match as a word or the start of one (`bu mil` finds ' +
          '"Buy milk"); `"quoted phrase"` and `-word` work as in web search. Needs a word to look for.',
      }),
    ),
    sort: Type.Optional(
      Type.Enum(noteOrders, {
        description:
          'With `q`: `relevance` (the default: most relevant first, then newest) or `newest`. ' +
          'Without `q` the list is newest first, and `relevance` is a 400.',
      }),
    ),
  },
  { ...strictObject, $id: 'ListNotesQuery' },
);

export const NoteChangePageSchema = Type.Object(
  {
    changes: Type.Array(
      Type.Union([
        Type.Object(
          { op: Type.Literal('upsert'), note: NoteSchema },
          { description: "The note's whole state now; several changes of it may be compacted into one." },
        ),
        Type.Object(
          {
            op: Type.Literal('delete'),
            id: uuid('The deleted note.'),
            version: Type.Integer({ minimum: 1, description: 'Its last version.' }),
          },
          { description: 'The note was deleted (a note created and deleted since the cursor may come as one).' },
        ),
      ]),
      { description: 'In feed order; per note, versions only increase along the feed.' },
    ),
    next_cursor: Type.String({ description: 'Pass as `cursor` for the changes that follow (none yet, maybe).' }),
    has_more: Type.Boolean({ description: 'More changes follow at once from `next_cursor`.' }),
  },
  { $id: 'NoteChangePage', description: "A page of the caller's change feed." },
);

export const ListNoteChangesQuerySchema = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Changes per page, 1 to 500.' }),
    ),
    cursor: Type.Optional(
      Type.String({
        maxLength: 16_384,
        description: '`next_cursor` of a previous answer; absent for a full sync (every live note, as `upsert`).',
      }),
    ),
  },
  { ...strictObject, $id: 'ListNoteChangesQuery' },
);

export const NoteIdParamsSchema = Type.Object({ id: uuid('The note id.') }, { ...strictObject, $id: 'NoteIdParams' });

// ---- sagas

/** Every state a saga can be in; the API promises no other. */
export const sagaStates = ['RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATED', 'FAILED'] as const;

export const SagaAcceptedSchema = Type.Object(
  {
    saga_id: uuid('The DeleteUserSaga that deletes the account.'),
    status_url: Type.String({ description: 'Where to follow it: `/v1/sagas/{saga_id}`.' }),
  },
  { $id: 'SagaAccepted', description: 'The deletion has begun; it completes asynchronously.' },
);

export const SagaSchema = Type.Object(
  {
    saga_id: uuid('The saga id.'),
    type: Type.String({ description: '`SignUpSaga` or `DeleteUserSaga`.' }),
    state: Type.Enum(sagaStates, {
      description: 'RUNNING and COMPENSATING are on their way; COMPLETED, COMPENSATED and FAILED are final.',
    }),
    step: Type.String({ description: 'The step being run or compensated; empty once the saga ended.' }),
    created_at: time('When the saga started'),
    updated_at: time('When the saga last moved'),
  },
  { $id: 'Saga', description: 'A saga about the caller.' },
);

export const SagaIdParamsSchema = Type.Object({ id: uuid('The saga id.') }, { ...strictObject, $id: 'SagaIdParams' });

// ---- operations

/** The (empty) body of a 204. */
export const NoContentSchema = Type.Null({ description: 'No content.' });

export const StatusSchema = Type.Object(
  { status: Type.String({ description: '`ok` (live) or `ready`.' }) },
  { $id: 'Status', description: 'A probe answer.' },
);

/** Every schema with a $id, registered with Fastify (addSchema) and named in the OpenAPI document's components. */
export const componentSchemas = [
  FieldErrorSchema,
  ProblemSchema,
  SignUpRequestSchema,
  SignInRequestSchema,
  RefreshTokenRequestSchema,
  UserSchema,
  TokenPairSchema,
  AccessTokenSchema,
  JwksSchema,
  CreateNoteRequestSchema,
  UpdateNoteRequestSchema,
  PatchNoteRequestSchema,
  NoteSchema,
  NotePageSchema,
  TagListSchema,
  ListNotesQuerySchema,
  NoteChangePageSchema,
  ListNoteChangesQuerySchema,
  NoteIdParamsSchema,
  SagaAcceptedSchema,
  SagaSchema,
  SagaIdParamsSchema,
  StatusSchema,
];

/**
 * A reference to a component schema, typed as the schema: Fastify resolves it among the added
 * schemas, and the OpenAPI document names the component instead of repeating it.
 */
export function ref<T extends TSchema>(schema: T) {
  const { $id } = schema as { $id?: string };
  if ($id === undefined) throw new Error('ref() needs a schema with a $id');
  return Type.Unsafe<Static<T>>({ $ref: `${$id}#` });
}

const headerSchemas = {
  etag: Type.String({ description: 'The version of the note, for If-Match: a strong ETag such as `"3"`.' }),
  location: Type.String({ description: 'The path of the created resource.' }),
  'cache-control': Type.String({ description: '`no-store`: tokens are never cached.' }),
  'www-authenticate': Type.String({ description: '`Bearer`, with `error="invalid_token"` for a bad token.' }),
  'retry-after': Type.String({ description: 'Seconds to wait before trying again.' }),
  'set-cookie': Type.String({
    description:
      'The refresh-token cookie of a browser session (`notes_refresh`; HttpOnly; Secure; SameSite=Strict; Path=/v1/auth/session), or its removal (Max-Age=0).',
  }),
  'idempotent-replayed': Type.String({
    description: "`true` when this is the first answer to the request's `Idempotency-Key` again: nothing was written.",
  }),
};

type HeaderName = keyof typeof headerSchemas;

/** Response headers sent only in some answers of a status (a replay): the document says they are not required. */
export const headersSentSometimes: ReadonlySet<string> = new Set<HeaderName>(['idempotent-replayed']);

function headersOf(names: readonly HeaderName[]) {
  return names.length === 0 ? {} : { headers: Object.fromEntries(names.map((name) => [name, headerSchemas[name]])) };
}

/** A JSON response in the route schema's `content` form, so that the document carries its media type and headers. */
export function jsonResponse<T extends TSchema>(description: string, schema: T, headers: readonly HeaderName[] = []) {
  return { description, ...headersOf(headers), content: { 'application/json': { schema } } };
}

/** A response without a body (204). */
export function emptyResponse(description: string, headers: readonly HeaderName[] = []) {
  return { ...NoContentSchema, description, ...headersOf(headers) };
}

const problemDescriptions = {
  400: 'Invalid input: malformed JSON, a wrong type, a missing or invalid field (`errors` names each).',
  401: 'No access token, or one that is malformed, expired or forged.',
  403: 'Refused: a browser-session request whose Origin header is missing or not this site (CSRF).',
  404: 'Not found.',
  409: 'Conflicts with the current state.',
  410: 'Gone: what the request points at is no longer kept.',
  412: 'If-Match does not name the current ETag.',
  422: 'The request cannot be processed as it is.',
  413: 'The request body is over the limit (1 MiB).',
  415: 'The request body is not JSON (Content-Type: application/json).',
  429: 'Too many requests from this client (or failed sign-ins): wait for Retry-After seconds.',
  503: 'A service this request needs is unavailable.',
  '5xx':
    'The platform failed: 500 unexpected error, 503 an upstream service is unavailable, 504 it did not answer in time.',
} as const;

type ProblemStatus = keyof typeof problemDescriptions;

const problemHeaders: Partial<Record<ProblemStatus, readonly HeaderName[]>> = {
  401: ['www-authenticate'],
  429: ['retry-after'],
};

/** One problem+json response of the document; `description` says what it means on this route. */
export function problemResponse(status: ProblemStatus, description: string = problemDescriptions[status]) {
  return {
    description,
    ...headersOf(problemHeaders[status] ?? []),
    content: { 'application/problem+json': { schema: ref(ProblemSchema) } },
  };
}

/**
 * The problem responses of an API route: the statuses it decides itself (with what they mean
 * there, when it is more than the usual), and those every API route may answer: 429 (the per-IP
 * limit) and any 5xx.
 */
export function problemResponses<const S extends readonly ProblemStatus[]>(
  statuses: S,
  descriptions: Partial<Record<S[number] | 429 | '5xx', string>> = {},
) {
  const all: (S[number] | 429 | '5xx')[] = [...statuses, 429, '5xx'];
  const entries = all.map((status) => [status, problemResponse(status, descriptions[status])]);
  return Object.fromEntries(entries) as { [K in S[number] | 429 | '5xx']: ReturnType<typeof problemResponse> };
}
