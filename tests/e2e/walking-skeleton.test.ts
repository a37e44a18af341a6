// The issue-2 path end to end: HTTP → bff-rest → gRPC → auth-service / notes-service → PostgreSQL,
// every service a real process, including the contract's bad inputs.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
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
const call: ReturnType<typeof apiClient>['call'] = (...args) => apiClient(platform.bffUrl).call(...args);
const signedInUser = () => apiClient(platform.bffUrl).signedInUser(password);
const welcomeNoteId = (token: string) => apiClient(platform.bffUrl).welcomeNoteId(token);

describe('walking skeleton', () => {
  test('sign-up, sign-in, create a note and list it', async () => {
    const email = uniqueEmail().toUpperCase();
    const signUp = await call('POST', '/v1/auth/sign-up', { body: { email, password } });
    assert.equal(signUp.status, 201);
    assert.equal(signUp.json.email, email.toLowerCase());
    assert.match(signUp.json.user_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(signUp.json.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const signIn = await call('POST', '/v1/auth/sign-in', { body: { email: email.toLowerCase(), password } });
    assert.equal(signIn.status, 200);
    assert.equal(signIn.json.token_type, 'Bearer');
    assert.equal(signIn.json.expires_in, 900);
    const token = signIn.json.access_token as string;
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    assert.equal(claims.sub, signUp.json.user_id);
    const welcome = await welcomeNoteId(token);

    const created = await call('POST', '/v1/notes', { token, body: { title: 'Buy milk', content: '2 litres' } });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), `/v1/notes/${created.json.id}`);
    assert.equal(created.json.title, 'Buy milk');
    assert.equal(created.json.content, '2 litres');

    const list = await call('GET', '/v1/notes', { token });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.json.items.map((note: { id: string }) => note.id),
      [created.json.id, welcome],
    );
    assert.equal(list.json.next_cursor, null);
  });

  test('notes are listed newest first across pages, and only the owner sees them', async () => {
    const owner = await signedInUser();
    const other = await signedInUser();
    const ownerWelcome = await welcomeNoteId(owner.token);
    const otherWelcome = await welcomeNoteId(other.token);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await call('POST', '/v1/notes', { token: owner.token, body: { title: `note ${i}` } })).json.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const page = await call('GET', `/v1/notes${query}`, { token: owner.token });
      assert.equal(page.status, 200);
      assert.ok(page.json.items.length <= 2);
      seen.push(...page.json.items.map((note: { id: string }) => note.id));
      cursor = page.json.next_cursor;
    } while (cursor !== null);
    assert.deepEqual(seen, [...[...ids].reverse(), ownerWelcome]);
    const othersList = (await call('GET', '/v1/notes', { token: other.token })).json.items;
    assert.deepEqual(
      othersList.map((note: { id: string }) => note.id),
      [otherWelcome],
    );
  });

  test('a taken email, in any case, is 409', async () => {
    const email = uniqueEmail();
    assert.equal((await call('POST', '/v1/auth/sign-up', { body: { email, password } })).status, 201);
    assertProblem(await call('POST', '/v1/auth/sign-up', { body: { email: email.toUpperCase(), password } }), 409);
  });

  test('wrong password and unknown email get the same 401', async () => {
    const { email } = await signedInUser();
    const wrong = await call('POST', '/v1/auth/sign-in', { body: { email, password: 'wrong password!!' } });
    const unknown = await call('POST', '/v1/auth/sign-in', { body: { email: uniqueEmail(), password } });
    assertProblem(wrong, 401);
    assertProblem(unknown, 401);
    const { instance: _a, ...wrongBody } = wrong.json;
    const { instance: _b, ...unknownBody } = unknown.json;
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
