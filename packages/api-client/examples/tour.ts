// A tour of the API through the typed client, against any running platform (make dev, make up):
//   node packages/api-client/examples/tour.ts [BFF base URL, default http://127.0.0.1:8080]
// tsc -b type-checks it with the rest of the repository, so it follows the OpenAPI document.
import { randomUUID } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { createNotesApiClient, dataOrThrow, ProblemError } from '@notes/api-client';

const baseUrl = process.argv[2] ?? 'http://127.0.0.1:8080';

// Sign up, then sign in: the access token authenticates every request of `api`.
const anonymous = createNotesApiClient(baseUrl);
const credentials = { email: `tour-${randomUUID()}@example.com`, password: 'correct horse battery staple' };
const user = dataOrThrow(await anonymous.POST('/v1/auth/sign-up', { body: credentials }));
const tokens = dataOrThrow(await anonymous.POST('/v1/auth/sign-in', { body: credentials }));
const api = createNotesApiClient(baseUrl, { token: tokens.access_token });
console.log(`signed up as ${user.email} (${user.user_id})`);

// Create, list, search.
const note = dataOrThrow(
  await api.POST('/v1/notes', { body: { title: 'Buy milk', content: '2 litres, oat', tags: ['shopping'] } }),
);
const page = dataOrThrow(await api.GET('/v1/notes', { params: { query: { limit: 20, tag: ['shopping'] } } }));
console.log(`created ${note.id}; ${page.items.length} note(s) tagged shopping`);
const found = dataOrThrow(await api.GET('/v1/notes', { params: { query: { q: 'oat milk' } } }));
console.log(`search "oat milk": ${found.items.map((item) => item.title).join(', ')}`);

// Follow the change feed: a full sync first (no cursor), then what changed since next_cursor, asked
// again until the edit arrives (the feed is written from the outbox, a moment after the write).
let { next_cursor: cursor } = dataOrThrow(await api.GET('/v1/notes/changes'));
dataOrThrow(await api.PATCH('/v1/notes/{id}', { params: { path: { id: note.id } }, body: { pinned: true } }));
for (let pinned = false, deadline = Date.now() + 10_000; !pinned && Date.now() < deadline; ) {
  const feed = dataOrThrow(await api.GET('/v1/notes/changes', { params: { query: { cursor } } }));
  for (const change of feed.changes) {
    if (change.op === 'delete') console.log(`deleted: ${change.id}`);
    else console.log(`changed: ${change.note.title} v${change.note.version}`);
    pinned ||= change.op === 'upsert' && change.note.id === note.id && change.note.pinned;
  }
  cursor = feed.next_cursor;
  if (!pinned) await setTimeout(200);
}

// Every error is a problem (application/problem+json); a 400 names the invalid fields.
try {
  dataOrThrow(await api.POST('/v1/notes', { body: { title: ' ' } }));
} catch (error) {
  if (!(error instanceof ProblemError)) throw error;
  console.log(
    `${error.status}: ${error.problem?.errors?.map((field) => `${field.field} ${field.message}`).join('; ')}`,
  );
}
