// The public API's guarantees end to end, every service a process: pagination while notes are
// written, refresh-token rotation and its reuse detection, sign-out, conditional updates, owner
// isolation, the per-account sign-in limit, the documents, and an upstream that is down.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { apiClient, assertProblem } from './api.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

const password = 'correct horse battery';
let platform: RunningPlatform;
let api: ReturnType<typeof apiClient>;
before(async () => {
  platform = await startTestPlatform();
  api = apiClient(platform.bffUrl);
});
after(async () => {
  await platform?.close();
});

/** Every note id of the user, walking the pages of `limit` (ids in the order the pages gave them). */
async function walkNotes(token: string, limit: number, betweenPages: () => Promise<void> = async () => {}) {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? `?limit=${limit}` : `?limit=${limit}&cursor=${encodeURIComponent(cursor)}`;
    const page = await api.call('GET', `/v1/notes${query}`, { token });
    assert.equal(page.status, 200, page.text);
    seen.push(...page.json.items.map((note: { id: string }) => note.id));
    cursor = page.json.next_cursor;
    await betweenPages();
  } while (cursor !== null);
  return seen;
}

describe('notes', () => {
  test('walking the pages while another writer inserts: every note there at the start, exactly once', async () => {
    const { token } = await api.signedInUser(password);
    await api.welcomeNoteId(token);
    for (let i = 0; i < 24; i++) {
      assert.equal((await api.call('POST', '/v1/notes', { token, body: { title: `before ${i}` } })).status, 201);
    }
    const atStart = await walkNotes(token, 100);
    assert.equal(atStart.length, 25);

    let writing = true;
    const written: string[] = [];
    const writer = (async () => {
      while (writing) {
        const created = await api.call('POST', '/v1/notes', { token, body: { title: `during ${written.length}` } });
        assert.equal(created.status, 201, created.text);
        written.push(created.json.id);
      }
    })();
    // Waiting for the writer between pages makes sure notes land while the walk is under way.
    const seen = await walkNotes(token, 4, async () => {
      const before = written.length;
      while (written.length < before + 2) await new Promise((resolve) => setTimeout(resolve, 5));
    }).finally(() => {
      writing = false;
    });
    await writer;

    assert.equal(new Set(seen).size, seen.length, 'no note twice');
    assert.deepEqual(
      seen.filter((id) => atStart.includes(id)),
      atStart,
      'every note of the start, once, newest first',
    );
    assert.ok(
      seen.every((id) => atStart.includes(id) || written.includes(id)),
      'nothing but notes of the user',
    );
    assert.ok(written.length >= 12);
  });

  test('GET with its ETag, PUT with If-Match (412 once stale), DELETE, then 404 everywhere', async () => {
    const { token } = await api.signedInUser(password);
    const created = await api.call('POST', '/v1/notes', { token, body: { title: 'Buy milk', content: '2 litres' } });
    const url = created.headers.get('location') ?? assert.fail('no Location');
    const got = await api.call('GET', url, { token });
    assert.equal(got.status, 200);
    const etag = got.headers.get('etag') ?? assert.fail('no ETag');
    assert.equal(etag, created.headers.get('etag'));

    const update = (ifMatch: string) =>
      api.call('PUT', url, {
        token,
        body: { title: 'Buy oat milk', content: '1 litre' },
        headers: { 'if-match': ifMatch },
      });
    const updated = await update(etag);
    assert.equal(updated.status, 200, updated.text);
    assert.notEqual(updated.headers.get('etag'), etag);
    assert.ok(updated.json.updated_at >= created.json.updated_at, 'updated_at moves on');
    assertProblem(await update(etag), 412);

    assert.equal((await api.call('DELETE', url, { token })).status, 204);
    assertProblem(await api.call('GET', url, { token }), 404);
    assertProblem(await api.call('PUT', url, { token, body: { title: 't', content: '' } }), 404);
    assertProblem(await api.call('DELETE', url, { token }), 404);
  });

  test("another user's note is a 404 on every path, and stays as it was", async () => {
    const owner = await api.signedInUser(password);
    const stranger = await api.signedInUser(password);
    const created = await api.call('POST', '/v1/notes', { token: owner.token, body: { title: 'mine' } });
    const url = `/v1/notes/${created.json.id}`;
    assertProblem(await api.call('GET', url, { token: stranger.token }), 404);
    assertProblem(await api.call('PUT', url, { token: stranger.token, body: { title: 'theirs', content: '' } }), 404);
    assertProblem(await api.call('DELETE', url, { token: stranger.token }), 404);
    const unknown = await api.call('GET', `/v1/notes/${randomUUID()}`, { token: stranger.token });
    assert.deepEqual({ ...unknown.json, instance: url }, (await api.call('GET', url, { token: stranger.token })).json);
    assert.equal((await api.call('GET', url, { token: owner.token })).json.title, 'mine');
  });
});

describe('tokens', () => {
  const refresh = (refreshToken: string) =>
    api.call('POST', '/v1/auth/refresh', { body: { refresh_token: refreshToken } });

  test('a used refresh token replayed is 401, and the newest token of its family stops working too', async () => {
    const { refreshToken: first } = await api.signedInUser(password);
    const rotated = await refresh(first);
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal(rotated.headers.get('cache-control'), 'no-store');
    const newest = rotated.json.refresh_token as string;
    assert.notEqual(newest, first);
    assert.equal((await api.call('GET', '/v1/notes', { token: rotated.json.access_token })).status, 200);

    assertProblem(await refresh(first), 401);
    assertProblem(await refresh(newest), 401);
  });

  test('sign-out (204, idempotent) revokes the family: its refresh token is then 401', async () => {
    const { refreshToken } = await api.signedInUser(password);
    const newest = (await refresh(refreshToken)).json.refresh_token as string;
    for (let i = 0; i < 2; i++) {
      const signOut = await api.call('POST', '/v1/auth/sign-out', { body: { refresh_token: newest } });
      assert.equal(signOut.status, 204);
      assert.equal(signOut.text, '');
    }
    assertProblem(await refresh(newest), 401);
  });

  test('the JWKS holds the key that signs the access tokens', async () => {
    const { token } = await api.signedInUser(password);
    const jwks = await api.call('GET', '/.well-known/jwks.json');
    assert.equal(jwks.status, 200);
    const kids = jwks.json.keys.map((key: { kid: string; alg: string; use: string }) => {
      assert.deepEqual([key.alg, key.use], ['RS256', 'sig']);
      return key.kid;
    });
    assert.ok(kids.includes(decodeProtectedHeader(token).kid));
  });

  test('after 10 failed sign-ins an account answers 429 with Retry-After, the right password or not, and so does an unknown email', async () => {
    for (const email of [(await api.signedInUser(password)).email, `nobody-${randomUUID()}@example.com`]) {
      for (let i = 0; i < 10; i++) {
        assertProblem(
          await api.call('POST', '/v1/auth/sign-in', { body: { email, password: 'wrong password!' } }),
          401,
        );
      }
      const locked = await api.call('POST', '/v1/auth/sign-in', { body: { email, password } });
      assertProblem(locked, 429);
      assert.match(locked.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    }
  });
});

describe('documents and operations', () => {
  test('/openapi.json is the OpenAPI 3.1 document, /docs is Swagger UI, /metrics is Prometheus text', async () => {
    const document = await api.call('GET', '/openapi.json');
    assert.equal(document.status, 200);
    assert.equal(document.json.openapi, '3.1.0');
    assert.ok(document.json.paths['/v1/notes/{id}'].put.responses['412']);
    const docs = await fetch(`${platform.bffUrl}/docs`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger-ui/);
    const metrics = await fetch(`${platform.bffUrl}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^http_request_duration_seconds_count\{/m);
  });
});

describe('an upstream that is down', () => {
  test('is a 503 problem (not a request left hanging until its deadline), and /readyz says so; then it comes back', async () => {
    const { token } = await api.signedInUser(password);
    await platform.stopService('notes');
    try {
      assertProblem(await api.call('GET', '/v1/notes', { token }), 503);
      assertProblem(await api.call('POST', '/v1/notes', { token, body: { title: 'while down' } }), 503);
      assertProblem(await api.call('GET', '/readyz'), 503);
      assert.equal(
        (await api.call('POST', '/v1/auth/sign-in', { body: { email: `x-${randomUUID()}@example.com`, password } }))
          .status,
        401,
        'the rest still works',
      );
    } finally {
      await platform.startService('notes');
    }
    assert.equal((await api.call('GET', '/v1/notes', { token })).status, 200);
  });
});
