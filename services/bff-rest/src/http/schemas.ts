// The JSON schemas of every request and response, written once: Fastify validates requests and
// serializes responses with them, and the OpenAPI document is generated from them. Each has a
// $id (its component name) and descriptions; field names are snake_case, as on the wire.
import { type Static, Type } from 'typebox';

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

export const CreateNoteRequestSchema = Type.Object(
  {
    title,
    content: Type.Optional(
      Type.String({ maxLength: 100_000, default: '', description: `${contentDescription} Default "".` }),
    ),
  },
  { ...strictObject, $id: 'CreateNoteRequest', description: 'A new note.' },
);

export const UpdateNoteRequestSchema = Type.Object(
  { title, content: Type.String({ maxLength: 100_000, description: contentDescription }) },
  { ...strictObject, $id: 'UpdateNoteRequest', description: "A note's new title and content (replaces both)." },
);

export const NoteSchema = Type.Object(
  {
    id: uuid('The note id.'),
    title: Type.String(),
    content: Type.String(),
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

export const ListNotesQuerySchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1 to 100.' }),
    cursor: Type.Optional(Type.String({ maxLength: 512, description: '`next_cursor` of the previous page.' })),
  },
  { ...strictObject, $id: 'ListNotesQuery' },
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

/** Every schema with a $id, registered with Fastify so that the OpenAPI document can name them. */
export const componentSchemas = [
  FieldErrorSchema,
  ProblemSchema,
  SignUpRequestSchema,
  SignInRequestSchema,
  RefreshTokenRequestSchema,
  UserSchema,
  TokenPairSchema,
  JwksSchema,
  CreateNoteRequestSchema,
  UpdateNoteRequestSchema,
  NoteSchema,
  NotePageSchema,
  ListNotesQuerySchema,
  NoteIdParamsSchema,
  SagaAcceptedSchema,
  SagaSchema,
  SagaIdParamsSchema,
  StatusSchema,
];

/** A route's problem responses: the 4xx statuses it can answer, and any 5xx. */
export function problemResponses<const S extends readonly number[]>(...statuses: S) {
  const entries = [...statuses, '5xx'].map((status) => [status, ProblemSchema]);
  return Object.fromEntries(entries) as { [K in S[number] | '5xx']: typeof ProblemSchema };
}
