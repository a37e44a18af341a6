// Browser sessions through the whole platform: the refresh token only in the HttpOnly cookie, its
// rotation and reuse detection done by auth-service as for the JSON API, sign-out revoking the
// family, the Origin check, and account deletion ending the session.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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

/** The `notes_refresh=…` pair an answer sets ('' when it clears the cookie). */
function cookieOf(headers: Headers): string {
  const [pair = ''] = headers.getSetCookie();
  assert.ok(pair?.startsWith('notes_refresh='), `Set-Cookie: ${pair}`);
  return pair.split(';')[0] ?? '';
}

describe('browser sessions', () => {
  const sameSite = () => ({ origin: platform.bffUrl });
  const startSession = async (email: string) => {
    const started = await api.call('POST', '/v1/auth/session', { body: { email, password }, headers: sameSite() });
    assert.equal(started.status, 200, started.text);
    assert.deepEqual(Object.keys(started.json).sort(), ['access_token', 'expires_in', 'token_type']);
    return { cookie: cookieOf(started.headers), token: started.json.access_token as string };
  };
  const refresh = (cookie: string, origin = platform.bffUrl) =>
    api.call('POST', '/v1/auth/session/refresh', { headers: { origin, cookie } });

  test("a session's access token works on the API; its cookie rotates; a reused cookie revokes the family", async () => {
    const { email } = await api.signedInUser(password);
    const first = await startSession(email);
    assert.equal((await api.call('GET', '/v1/notes', { token: first.token })).status, 200);
    const renewed = await refresh(first.cookie);
    assert.equal(renewed.status, 200, renewed.text);
    const second = cookieOf(renewed.headers);
    assert.notEqual(second, first.cookie);
    assert.equal((await api.call('GET', '/v1/notes', { token: renewed.json.access_token })).status, 200);
    // The first cookie again (stolen and replayed): refused, and the newest stops working too.
    const replayed = await refresh(first.cookie);
    assertProblem(replayed, 401);
    assert.equal(cookieOf(replayed.headers), 'notes_refresh=');
    assertProblem(await refresh(second), 401);
  });

  test('another site cannot use the cookie (403) and sign-out revokes it', async () => {
    const { email } = await api.signedInUser(password);
    const { cookie } = await startSession(email);
    assertProblem(await refresh(cookie, 'https://evil.example'), 403);
    const signedOut = await api.call('DELETE', '/v1/auth/session', { headers: { ...sameSite(), cookie } });
    assert.equal(signedOut.status, 204);
    assert.equal(cookieOf(signedOut.headers), 'notes_refresh=');
    assertProblem(await refresh(cookie), 401);
  });

  test("deleting the account ends the browser's session", async () => {
    const { email } = await api.signedInUser(password);
    const { cookie, token } = await startSession(email);
    assert.equal((await api.call('DELETE', '/v1/auth/me', { token })).status, 202);
    assertProblem(await refresh(cookie), 401);
  });
});
