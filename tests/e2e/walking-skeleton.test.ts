// The issue-2 path end to end: HTTP → bff-rest → gRPC → auth-service / notes-service → PostgreSQL,
// every service a real process, including the contract's bad inputs.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createNotesApiClient, dataOrThrow } from '@notes/api-client';
import { apiClient, assertProblem } from './api.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

let platform: RunningPlatform;
before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform?.close();
});

const uniqueEmail = () => `e2e-${randomUUID()}@example.com`;
const password = 'correct horse battery';
const client = () => apiClient(platform.bffUrl).client;
const call: ReturnType<typeof apiClient>['call'] = (...args) => apiClient(platform.bffUrl).call(...args);
const signedInUser = () => apiClient(platform.bffUrl).signedInUser(password);
const welcomeNoteId = (token: string) => apiClient(platform.bffUrl).welcomeNoteId(token);

describe('walking skeleton', () => {
  test('sign-up, sign-in, create a note and list it', async () => {
    const email = uniqueEmail().toUpperCase();
    const signUp = await client().POST('/v1/auth/sign-up', { body: { email, password } });
    assert.equal(signUp.response.status, 201);
    const user = dataOrThrow(signUp);
    assert.equal(user.email, email.toLowerCase());
    assert.match(user.user_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(user.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const signIn = await client().POST('/v1/auth/sign-in', { body: { email: email.toLowerCase(), password } });
    assert.equal(signIn.response.status, 200);
    const tokens = dataOrThrow(signIn);
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.expires_in, 900);
    const token = tokens.access_token;
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    assert.equal(claims.sub, user.user_id);
    const welcome = await welcomeNoteId(token);

    const api = createNotesApiClient(platform.bffUrl, { token });
    const created = await api.POST('/v1/notes', { body: { title: 'Buy milk', content: '2 litres' } });
    assert.equal(created.response.status, 201);
    const note = dataOrThrow(created);
    assert.equal(created.response.headers.get('location'), `/v1/notes/${note.id}`);
    assert.equal(note.title, 'Buy milk');
    assert.equal(note.content, '2 litres');

    const list = await api.GET('/v1/notes');
    assert.equal(list.response.status, 200);
    const page = dataOrThrow(list);
    assert.deepEqual(
      page.items.map((listed) => listed.id),
      [note.id, welcome],
    );
    assert.equal(page.next_cursor, null);
  });

  test('notes are listed newest first across pages, and only the owner sees them', async () => {
    const owner = await signedInUser();
    const other = await signedInUser();
    const ownerWelcome = await welcomeNoteId(owner.token);
    const otherWelcome = await welcomeNoteId(other.token);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(dataOrThrow(await owner.client.POST('/v1/notes', { body: { title: `note ${i}` } })).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: { limit: number; cursor?: string } = cursor ? { limit: 2, cursor } : { limit: 2 };
      const answer = await owner.client.GET('/v1/notes', { params: { query } });
      assert.equal(answer.response.status, 200);
      const page = dataOrThrow(answer);
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((note) => note.id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    assert.deepEqual(seen, [...[...ids].reverse(), ownerWelcome]);
    const othersList = dataOrThrow(await other.client.GET('/v1/notes')).items;
    assert.deepEqual(
      othersList.map((note) => note.id),
      [otherWelcome],
    );
  });

  test('a taken email, in any case, is 409', async () => {
    const email = uniqueEmail();
    assert.equal((await client().POST('/v1/auth/sign-up', { body: { email, password } })).response.status, 201);
    assertProblem(await client().POST('/v1/auth/sign-up', { body: { email: email.toUpperCase(), password } }), 409);
  });

  test('wrong password and unknown email get the same 401', async () => {
    const { email } = await signedInUser();
    const wrong = await client().POST('/v1/auth/sign-in', { body: { email, password: 'wrong password!!' } });
    const unknown = await client().POST('/v1/auth/sign-in', { body: { email: uniqueEmail(), password } });
    assertProblem(wrong, 401);
    assertProblem(unknown, 401);
    const { instance: _a, ...wrongBody } = wrong.error ?? {};
    const { instance: _b, ...unknownBody } = unknown.error ?? {};
    assert.deepEqual(wrongBody, unknownBody);
  });

  test('invalid sign-up input is 400 naming each field', async () => {
    const response = await call('POST', '/v1/auth/sign-up', { body: { email: 'not-an-email', password: 'short' } });
    assertProblem(response, 400);
    const fields = response.json.errors.map((error: { field: string }) => error.field).sort();
    assert.deepEqual(fields, ['email', 'password']);
  });

  test('notes need a valid bearer token: 401 with WWW-Authenticate', async () => {
    for (const authorization of [undefined, 'Bearer', 'Bearer not.a.jwt', 'Basic dXNlcjpwYXNz']) {
      const response = await call('GET', '/v1/notes', { headers: authorization ? { authorization } : {} });
      assertProblem(response, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
  });

  test('malformed JSON, wrong types and blank titles are 400', async () => {
    const { token } = await signedInUser();
    assertProblem(await call('POST', '/v1/notes', { token, body: '{"title": ' }), 400);
    assertProblem(await call('POST', '/v1/notes', { token, body: { title: 42 } }), 400);
    assertProblem(await call('POST', '/v1/notes', { token, body: { title: '   ' } }), 400);
    assertProblem(await call('GET', '/v1/notes?limit=0', { token }), 400);
    assertProblem(await call('GET', '/v1/notes?cursor=!!!', { token }), 400);
  });

  test('a body over 1 MiB is 413, a body that is not JSON is 415', async () => {
    const { token } = await signedInUser();
    const huge = { title: 'big', content: 'x'.repeat(1024 * 1024 + 1) };
    assertProblem(await call('POST', '/v1/notes', { token, body: huge }), 413);
    assertProblem(
      await call('POST', '/v1/notes', { token, body: 'title=x', headers: { 'content-type': 'text/plain' } }),
      415,
    );
  });

  test('unknown routes are 404 problems and every response has the security headers', async () => {
    const response = await call('GET', '/v1/nothing-here');
    assertProblem(response, 404);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('x-powered-by'), null);
    assert.ok(response.headers.get('x-request-id'));
    const echoed = await call('GET', '/healthz', { headers: { 'x-request-id': 'trace-me-123' } });
    assert.equal(echoed.status, 200);
    assert.equal(echoed.headers.get('x-request-id'), 'trace-me-123');
  });

  test('no password reaches the logs', () => {
    assert.ok(platform.output.length > 0);
    assert.equal(platform.output.filter((line) => line.includes(password)).length, 0);
  });
});
