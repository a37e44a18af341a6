import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertFieldErrors, assertProblem, assertStandardHeaders } from './assertions.ts';
import { buildTestBff, type TestBff } from './fakes.ts';

const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const goodPassword = 'correct horse battery';

let bff: TestBff;
before(async () => {
  bff = await buildTestBff();
});
after(() => bff.app.close());

const uniqueEmail = () => `user-${randomUUID()}@example.com`;
const post = (url: string, payload: unknown) => bff.app.inject({ method: 'POST', url, payload: payload as object });
const signUp = (payload: unknown) => post('/v1/auth/sign-up', payload);

async function signedUp(): Promise<{ email: string }> {
  const email = uniqueEmail();
  assert.equal((await signUp({ email, password: goodPassword })).statusCode, 201);
  return { email };
}

describe('POST /v1/auth/sign-up', () => {
  it('creates the account: 201, the user, and its Location', async () => {
    const email = uniqueEmail();
    const response = await signUp({ email: email.toUpperCase(), password: goodPassword });
    assert.equal(response.statusCode, 201);
    assertStandardHeaders(response);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['created_at', 'email', 'user_id']);
    assert.match(body.user_id, uuid);
    assert.equal(body.email, email);
    assert.match(body.created_at, isoTime);
    assert.equal(response.headers.location, `/v1/users/${body.user_id}`);
  });

  it('passes only the email and password on, whatever else the body holds', async () => {
    const email = uniqueEmail();
    await signUp({ email, password: goodPassword, user_id: randomUUID(), is_admin: true, role: 'admin' });
    const call = bff.upstreams.callsTo('SignUp').at(-1);
    assert.deepEqual(
      Object.keys(call?.message ?? {}).filter((key) => !key.startsWith('$')),
      ['email', 'password'],
    );
    assert.equal(call?.message.email, email);
  });

  it('answers 409 when the email is taken, in any case', async () => {
    const { email } = await signedUp();
    assertProblem(await signUp({ email: email.toUpperCase(), password: goodPassword }), 409);
  });

  it('answers 400 naming each missing field', async () => {
    assertFieldErrors(await signUp({}), ['email', 'password']);
    assertFieldErrors(await signUp({ email: uniqueEmail() }), ['password']);
  });

  it('answers 400 for wrong types instead of converting them', async () => {
    assertFieldErrors(await signUp({ email: 42, password: 123456789012345 }), ['email', 'password']);
    assertFieldErrors(await signUp({ email: [uniqueEmail()], password: goodPassword }), ['email']);
    assertFieldErrors(await signUp({ email: uniqueEmail(), password: null }), ['password']);
  });

  it('answers 400 for a body that is not an object', async () => {
    assertFieldErrors(await signUp([]), ['body']);
  });

  it('answers 400 for an invalid or too long email', async () => {
    for (const email of ['not-an-email', 'a@', '@example.com', 'a b@example.com']) {
      assertFieldErrors(await signUp({ email, password: goodPassword }), ['email']);
    }
    const domain = `${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(58)}.com`;
    const longest = `${`user-${randomUUID()}`.padEnd(63, 'a')}@${domain}`;
    assert.equal(longest.length, 254);
    assert.equal((await signUp({ email: longest, password: goodPassword })).statusCode, 201);
    assertFieldErrors(await signUp({ email: `a${longest}`, password: goodPassword }), ['email']);
  });

  it('counts password lengths in code points: 12 to 128', async () => {
    const emoji = '\u{1F600}'; // one code point, two UTF-16 units
    assertFieldErrors(await signUp({ email: uniqueEmail(), password: 'x'.repeat(11) }), ['password']);
    assertFieldErrors(await signUp({ email: uniqueEmail(), password: emoji.repeat(6) }), ['password']);
    assertFieldErrors(await signUp({ email: uniqueEmail(), password: 'x'.repeat(129) }), ['password']);
    assert.equal((await signUp({ email: uniqueEmail(), password: emoji.repeat(12) })).statusCode, 201);
    assert.equal((await signUp({ email: uniqueEmail(), password: emoji.repeat(128) })).statusCode, 201);
  });

  it('rejects invalid input itself, without calling auth-service', async () => {
    const invalidBodies = [
      { email: 'nope', password: goodPassword },
      { email: `${'a'.repeat(250)}@x.io`, password: goodPassword },
      { email: uniqueEmail(), password: '\u{1F600}'.repeat(129) },
      { email: uniqueEmail(), password: 'x'.repeat(11) },
      { email: uniqueEmail(), password: 123456789012 },
    ];
    const callsBefore = bff.upstreams.callsTo('SignUp').length;
    for (const body of invalidBodies) assertProblem(await signUp(body), 400);
    assert.equal(bff.upstreams.callsTo('SignUp').length, callsBefore);
  });
});

describe('POST /v1/auth/sign-in', () => {
  it('answers 200 with an OAuth 2.0 token response that is never cached', async () => {
    const { email } = await signedUp();
    const response = await post('/v1/auth/sign-in', { email, password: goodPassword });
    assert.equal(response.statusCode, 200);
    assertStandardHeaders(response);
    assert.equal(response.headers['cache-control'], 'no-store');
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), [
      'access_token',
      'expires_in',
      'refresh_expires_in',
      'refresh_token',
      'token_type',
    ]);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 900);
    assert.equal(body.refresh_expires_in, 2_592_000);
    const notes = await bff.app.inject({ url: '/v1/notes', headers: { authorization: `Bearer ${body.access_token}` } });
    assert.equal(notes.statusCode, 200);
  });

  it('answers the same 401 for a wrong password and an unknown email', async () => {
    const { email } = await signedUp();
    const wrongPassword = await post('/v1/auth/sign-in', { email, password: 'wrong password!' });
    const unknownEmail = await post('/v1/auth/sign-in', { email: uniqueEmail(), password: goodPassword });
    assert.deepEqual(assertProblem(wrongPassword, 401), assertProblem(unknownEmail, 401));
    assert.equal(wrongPassword.headers['www-authenticate'], 'Bearer');
    assert.equal(unknownEmail.headers['www-authenticate'], 'Bearer');
  });

  it('answers 400 for missing credentials', async () => {
    assertFieldErrors(await post('/v1/auth/sign-in', { email: uniqueEmail() }), ['password']);
    assertFieldErrors(await post('/v1/auth/sign-in', { email: '', password: '' }), ['email', 'password']);
  });
});

describe('POST /v1/auth/refresh and /v1/auth/sign-out', () => {
  async function refreshToken(): Promise<string> {
    const { email } = await signedUp();
    return (await post('/v1/auth/sign-in', { email, password: goodPassword })).json().refresh_token;
  }

  it('exchanges a refresh token for a new pair, once', async () => {
    const token = await refreshToken();
    const refreshed = await post('/v1/auth/refresh', { refresh_token: token });
    assert.equal(refreshed.statusCode, 200);
    assert.equal(refreshed.headers['cache-control'], 'no-store');
    assert.notEqual(refreshed.json().refresh_token, token);
    assertProblem(await post('/v1/auth/refresh', { refresh_token: token }), 401);
  });

  it('signs out with 204 and no body; the token no longer refreshes', async () => {
    const token = await refreshToken();
    const response = await post('/v1/auth/sign-out', { refresh_token: token });
    assert.equal(response.statusCode, 204);
    assert.equal(response.body, '');
    assertStandardHeaders(response);
    assertProblem(await post('/v1/auth/refresh', { refresh_token: token }), 401);
  });

  it('answers 400 without a refresh token', async () => {
    assertFieldErrors(await post('/v1/auth/refresh', {}), ['refresh_token']);
    assertFieldErrors(await post('/v1/auth/sign-out', { refresh_token: 7 }), ['refresh_token']);
  });
});

describe('GET /.well-known/jwks.json', () => {
  it('serves the verification keys with kid, alg and use', async () => {
    const response = await bff.app.inject({ url: '/.well-known/jwks.json' });
    assert.equal(response.statusCode, 200);
    assertStandardHeaders(response);
    const [key, ...others] = response.json().keys;
    assert.equal(others.length, 0);
    assert.equal(key.kid, bff.keys.kid);
    assert.equal(key.alg, 'RS256');
    assert.equal(key.use, 'sig');
    assert.equal(key.kty, 'RSA');
    assert.equal(typeof key.n, 'string');
    assert.equal(key.e, 'AQAB');
  });
});
