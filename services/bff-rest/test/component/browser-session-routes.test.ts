// The web client's sessions: the refresh token only in an HttpOnly cookie the BFF sets, renews and
// clears; every session request refused without this site's Origin (CSRF).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { assertFieldErrors, assertProblem, assertStandardHeaders } from './assertions.ts';
import { buildTestBff, type TestBff } from './fakes.ts';

const password = 'correct horse battery';
/** What a page of the BFF's own origin sends: light-my-request's Host is localhost:80. */
const sameOrigin = { origin: 'http://localhost:80' };

let bff: TestBff;
before(async () => {
  bff = await buildTestBff();
});
after(() => bff.app.close());

async function signedUp(): Promise<string> {
  const email = `user-${randomUUID()}@example.com`;
  const response = await bff.app.inject({ method: 'POST', url: '/v1/auth/sign-up', payload: { email, password } });
  assert.equal(response.statusCode, 201);
  return email;
}

const startSession = async (headers: Record<string, string> = sameOrigin, email?: string) =>
  bff.app.inject({
    method: 'POST',
    url: '/v1/auth/session',
    headers,
    payload: { email: email ?? (await signedUp()), password },
  });
const refresh = (cookie: string | undefined, headers: Record<string, string> = sameOrigin) =>
  bff.app.inject({
    method: 'POST',
    url: '/v1/auth/session/refresh',
    headers: { ...headers, ...(cookie === undefined ? {} : { cookie }) },
  });
const endSession = (cookie: string | undefined, headers: Record<string, string> = sameOrigin) =>
  bff.app.inject({
    method: 'DELETE',
    url: '/v1/auth/session',
    headers: { ...headers, ...(cookie === undefined ? {} : { cookie }) },
  });

/** The refresh-token cookie an answer sets, with its attributes. */
function setCookie(response: InjectResponse): { value: string; attributes: string[]; header: string } {
  const header = response.headers['set-cookie'];
  assert.equal(typeof header, 'string', 'one Set-Cookie');
  const [pair = '', ...attributes] = String(header).split('; ');
  const [name, value = ''] = pair.split('=');
  assert.equal(name, 'notes_refresh');
  return { value, attributes, header: pair };
}

describe('POST /v1/auth/session', () => {
  it('answers the access token alone and puts the refresh token in an HttpOnly, Secure, SameSite=Strict cookie of the session routes', async () => {
    const response = await startSession();
    assert.equal(response.statusCode, 200);
    assertStandardHeaders(response);
    assert.equal(response.headers['cache-control'], 'no-store');
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type']);
    assert.equal(body.token_type, 'Bearer');
    const cookie = setCookie(response);
    assert.ok(cookie.value.length > 0);
    assert.ok(!response.body.includes(cookie.value), 'the refresh token is never in the body');
    assert.deepEqual(cookie.attributes, [
      'Path=/v1/auth/session',
      'Max-Age=2592000',
      'HttpOnly',
      'Secure',
      'SameSite=Strict',
    ]);
    // The access token works on the API.
    const notes = await bff.app.inject({ url: '/v1/notes', headers: { authorization: `Bearer ${body.access_token}` } });
    assert.equal(notes.statusCode, 200);
  });

  it('refuses a request without Origin or from another site with 403, before signing in', async () => {
    const email = await signedUp();
    const before = bff.upstreams.callsTo('SignIn').length;
    const origins: Record<string, string>[] = [
      {},
      { origin: 'https://evil.example' },
      { origin: 'http://localhost:8081' },
      { origin: 'null' },
    ];
    for (const headers of origins) {
      const response = await startSession(headers, email);
      assertProblem(response, 403);
      assert.equal(response.headers['set-cookie'], undefined);
    }
    assert.equal(bff.upstreams.callsTo('SignIn').length, before);
  });

  it('answers 401 for wrong credentials and 400 naming the fields, like the JSON sign-in', async () => {
    const email = await signedUp();
    const wrong = await bff.app.inject({
      method: 'POST',
      url: '/v1/auth/session',
      headers: sameOrigin,
      payload: { email, password: 'wrong password' },
    });
    assertProblem(wrong, 401);
    assert.equal(wrong.headers['set-cookie'], undefined);
    assertFieldErrors(
      await bff.app.inject({ method: 'POST', url: '/v1/auth/session', headers: sameOrigin, payload: {} }),
      ['email', 'password'],
    );
  });

  it('shares the per-address limit of failed sign-ins with POST /v1/auth/sign-in', async () => {
    const strict = await buildTestBff({ 'rateLimits.failedSignInsPerIp.max': 2 });
    try {
      const email = `user-${randomUUID()}@example.com`;
      const wrong = { email, password: 'wrong password' };
      assertProblem(await strict.app.inject({ method: 'POST', url: '/v1/auth/sign-in', payload: wrong }), 401);
      const session = { method: 'POST' as const, url: '/v1/auth/session', headers: sameOrigin, payload: wrong };
      assertProblem(await strict.app.inject(session), 401);
      assertProblem(await strict.app.inject(session), 429);
    } finally {
      await strict.app.close();
    }
  });
});

describe('POST /v1/auth/session/refresh', () => {
  it('exchanges the cookie for a new access token and a new cookie; the old one is used up', async () => {
    const first = setCookie(await startSession()).header;
    const renewed = await refresh(first);
    assert.equal(renewed.statusCode, 200);
    assert.deepEqual(Object.keys(renewed.json()).sort(), ['access_token', 'expires_in', 'token_type']);
    const second = setCookie(renewed).header;
    assert.notEqual(second, first);
    assert.equal((await refresh(second)).statusCode, 200);
    // Used once already: refused, and the browser is told to forget it.
    const reused = await refresh(first);
    assertProblem(reused, 401);
    assert.deepEqual(setCookie(reused).attributes.slice(0, 2), ['Path=/v1/auth/session', 'Max-Age=0']);
  });

  it("answers 401 without a cookie, and 403 without this site's Origin (the cookie is not used)", async () => {
    assertProblem(await refresh(undefined), 401);
    const cookie = setCookie(await startSession()).header;
    assertProblem(await refresh(cookie, {}), 403);
    assertProblem(await refresh(cookie, { origin: 'https://evil.example' }), 403);
    assert.equal((await refresh(cookie)).statusCode, 200, 'the refused requests did not use the token up');
  });

  it('leaves the JSON API alone: the body-based refresh ignores the cookie', async () => {
    const cookie = setCookie(await startSession()).header;
    const response = await bff.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { ...sameOrigin, cookie },
      payload: {},
    });
    assertFieldErrors(response, ['refresh_token']);
  });
});

describe('DELETE /v1/auth/session', () => {
  it("revokes the cookie's token and clears the cookie", async () => {
    const cookie = setCookie(await startSession()).header;
    const response = await endSession(cookie);
    assert.equal(response.statusCode, 204);
    assertStandardHeaders(response);
    const cleared = setCookie(response);
    assert.equal(cleared.value, '');
    assert.ok(cleared.attributes.includes('Max-Age=0'));
    assertProblem(await refresh(cookie), 401);
  });

  it('is idempotent (204 without a cookie) and refuses other sites with 403', async () => {
    assert.equal((await endSession(undefined)).statusCode, 204);
    const cookie = setCookie(await startSession()).header;
    assertProblem(await endSession(cookie, { origin: 'https://evil.example' }), 403);
    assert.equal((await refresh(cookie)).statusCode, 200, 'still signed in');
  });
});
