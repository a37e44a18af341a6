// The OWASP-driven security suite, black box: the whole platform as processes, attacked through
// its public API only. Each describe names the OWASP API Security Top 10 (2023) risk and the
// ASVS 4.0.3 requirements it checks; docs/security.md maps them to these tests.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { exportJWK, importPKCS8, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import { type ApiResponse, apiClient, assertProblem } from '../api.ts';
import { type RunningPlatform, startTestPlatform } from '../platform.ts';

/** Every field of a note answer, as the contract lists them: nothing a client sent besides. */
const noteKeys = ['archived', 'content', 'created_at', 'id', 'pinned', 'tags', 'title', 'updated_at', 'version'];

const password = 'correct horse battery';
const issuer = 'notes-platform';
const audience = 'notes-api';

// The per-IP limits would otherwise end this file's hundreds of requests and failed sign-ins
// early; the last describe restarts the BFF with low ones to check them.
const generousPerIpLimits = { RATE_LIMIT_PER_IP_MAX: '100000', RATE_LIMIT_FAILED_SIGN_INS_PER_IP_MAX: '100000' };

let platform: RunningPlatform;
let api: ReturnType<typeof apiClient>;
let privateKeyPem: string;
let publicKeyPem: string;
before(async () => {
  platform = await startTestPlatform({ serviceEnv: { bff: generousPerIpLimits } });
  api = apiClient(platform.bffUrl);
  privateKeyPem = await readFile(platform.keys.privateKeyFile, 'utf8');
  publicKeyPem = await readFile(platform.keys.publicKeyFile, 'utf8');
});
after(async () => {
  await platform?.close();
});

/** Sends a raw body (bytes or text) as JSON, for what JSON.stringify cannot produce. */
async function sendRaw(method: string, path: string, body: string | Uint8Array, token?: string): Promise<ApiResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${platform.bffUrl}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
}

/**
 * A problem that gives nothing internal away, its `instance` aside: that is the request path,
 * which echoes whatever the client put there (an SQL fragment, say), as JSON, never as markup.
 */
function assertProblemIgnoringPath(response: ApiResponse, status: number): void {
  assertProblem({ ...response, text: JSON.stringify({ ...response.json, instance: '' }) }, status);
}

/** An access token the platform's own key signs, with these claims and header fields changed. */
async function mintWithPlatformKey(claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const key = await importPKCS8(privateKeyPem, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: issuer, aud: audience, iat: now, exp: now + 600, jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...header })
    .sign(key);
}

function otherRsaKey() {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'));
}

describe('API1 broken object level authorization (ASVS V4.1.1, V4.1.3, V4.2.1)', () => {
  test("another user's note: 404 on read, update and delete, the same answer as a note that never existed, and absent from their list", async () => {
    const owner = await api.signedInUser(password);
    const intruder = await api.signedInUser(password);
    const created = await api.call('POST', '/v1/notes', {
      token: owner.token,
      body: { title: 'private', content: 'x' },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.json.id as string;
    const unknownId = randomUUID();

    const attempts = [
      ['GET', undefined],
      ['PUT', { title: 'owned', content: 'by intruder' }],
      ['DELETE', undefined],
    ] as const;
    for (const [method, body] of attempts) {
      const theirs = await api.call(method, `/v1/notes/${id}`, { token: intruder.token, body });
      const nobodys = await api.call(method, `/v1/notes/${unknownId}`, { token: intruder.token, body });
      assertProblem(theirs, 404);
      assertProblem(nobodys, 404);
      assert.deepEqual(
        { ...theirs.json, instance: '' },
        { ...nobodys.json, instance: '' },
        `${method}: no existence leak`,
      );
      // With If-Match too: a 412 would tell the note exists.
      const conditional = await api.call(method, `/v1/notes/${id}`, {
        token: intruder.token,
        body,
        headers: { 'if-match': '"7"' },
      });
      assertProblem(conditional, 404);
    }

    const intrudersList = await api.call('GET', '/v1/notes?limit=100', { token: intruder.token });
    assert.equal(intrudersList.status, 200);
    assert.ok(intrudersList.json.items.every((note: { id: string }) => note.id !== id));

    const still = await api.call('GET', `/v1/notes/${id}`, { token: owner.token });
    assert.equal(still.status, 200);
    assert.deepEqual([still.json.title, still.json.content, still.headers.get('etag')], ['private', 'x', '"1"']);
  });

  test("a cursor taken from another user's listing pages only the caller's own notes", async () => {
    const owner = await api.signedInUser(password);
    const intruder = await api.signedInUser(password);
    await api.welcomeNoteId(owner.token);
    for (let i = 0; i < 3; i++) await api.call('POST', '/v1/notes', { token: owner.token, body: { title: `o${i}` } });
    const ownersPage = await api.call('GET', '/v1/notes?limit=1', { token: owner.token });
    const cursor = ownersPage.json.next_cursor as string;
    assert.ok(cursor);
    const ownerIds = (await api.call('GET', '/v1/notes?limit=100', { token: owner.token })).json.items.map(
      (note: { id: string }) => note.id,
    );
    const withStolenCursor = await api.call('GET', `/v1/notes?limit=100&cursor=${encodeURIComponent(cursor)}`, {
      token: intruder.token,
    });
    assert.ok([200, 400].includes(withStolenCursor.status), withStolenCursor.text);
    for (const note of withStolenCursor.json.items ?? []) assert.ok(!ownerIds.includes(note.id), 'no note of another');
  });

  test("another user's saga is a 404", async () => {
    const leaving = await api.signedInUser(password);
    const intruder = await api.signedInUser(password);
    const deletion = await api.call('DELETE', '/v1/auth/me', { token: leaving.token });
    assert.equal(deletion.status, 202, deletion.text);
    assertProblem(await api.call('GET', deletion.json.status_url, { token: intruder.token }), 404);
  });
});

describe('API2 broken authentication: forged, expired and misused access tokens (ASVS V3.5.3, V2.10, V13.1.3)', () => {
  let victim: Awaited<ReturnType<typeof api.signedInUser>>;
  let attacker: Awaited<ReturnType<typeof api.signedInUser>>;
  let victimsNoteId: string;
  before(async () => {
    victim = await api.signedInUser(password);
    attacker = await api.signedInUser(password);
    victimsNoteId = (await api.call('POST', '/v1/notes', { token: victim.token, body: { title: 'victim' } })).json.id;
  });

  const forgeries: Record<string, () => Promise<string>> = {
    'alg none (unsigned)': async () =>
      new UnsecuredJWT({ sub: victim.userId })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .encode(),
    'alg none with the signature of a real token kept': async () => {
      const [, payload, signature] = attacker.token.split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      return `${header}.${payload}.${signature}`;
    },
    'HS256 signed with the RS256 public key (PEM) as the secret': async () =>
      new SignJWT({ sub: victim.userId })
        .setProtectedHeader({ alg: 'HS256', kid: decodePart(attacker.token, 0).kid as string })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(publicKeyPem)),
    "tampered payload (sub changed to the victim's) with the original signature": async () => {
      const [header, payload, signature] = attacker.token.split('.');
      const claims = { ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), sub: victim.userId };
      return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    },
    'expired (signed with the platform key)': () =>
      mintWithPlatformKey({ sub: victim.userId, iat: 1_700_000_000, exp: 1_700_000_900 }),
    'wrong iss (signed with the platform key)': () => mintWithPlatformKey({ sub: victim.userId, iss: 'evil-issuer' }),
    'wrong aud (signed with the platform key)': () => mintWithPlatformKey({ sub: victim.userId, aud: 'another-api' }),
    'no sub (signed with the platform key)': () => mintWithPlatformKey({ sub: undefined }),
    'no exp (signed with the platform key)': () => mintWithPlatformKey({ sub: victim.userId, exp: undefined }),
    'unknown kid, signed by another key': async () =>
      new SignJWT({ sub: victim.userId })
        .setProtectedHeader({ alg: 'RS256', kid: `unknown-${randomUUID()}` })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(otherRsaKey().privateKey),
    "the platform key's kid, signed by another key": async () =>
      new SignJWT({ sub: victim.userId })
        .setProtectedHeader({ alg: 'RS256', kid: decodePart(attacker.token, 0).kid as string })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(otherRsaKey().privateKey),
    'signed by another key that the header embeds (jwk header injection)': async () => {
      const { privateKey, publicKey } = otherRsaKey();
      return new SignJWT({ sub: victim.userId })
        .setProtectedHeader({ alg: 'RS256', jwk: await exportJWK(publicKey) })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey);
    },
    'signed by another key that the header points to (jku)': async () =>
      new SignJWT({ sub: victim.userId })
        .setProtectedHeader({ alg: 'RS256', jku: 'http://127.0.0.1:1/jwks.json', kid: 'attacker' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(otherRsaKey().privateKey),
    'a refresh token used as the access token': async () => attacker.refreshToken,
    garbage: async () => 'garbage',
    'three empty segments': async () => '..',
    // Under Node's 16 KiB header limit (above it Node answers 431 before the app sees anything).
    'a JWT with a large header': async () =>
      `${Buffer.from('{"alg":"RS256"}'.padEnd(8_000)).toString('base64url')}.e30.x`,
  };

  for (const [what, forge] of Object.entries(forgeries)) {
    test(`${what} → 401 problem+json with WWW-Authenticate: Bearer, on every notes route`, async () => {
      const token = await forge();
      const routes = [
        ['GET', '/v1/notes', undefined],
        ['GET', `/v1/notes/${victimsNoteId}`, undefined],
        ['PUT', `/v1/notes/${victimsNoteId}`, { title: 'pwned', content: '' }],
        ['DELETE', `/v1/notes/${victimsNoteId}`, undefined],
        ['POST', '/v1/notes', { title: 'planted' }],
      ] as const;
      for (const [method, path, body] of routes) {
        const response = await api.call(method, path, { token, body });
        assertProblem(response, 401);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
    });
  }

  test('missing, empty, non-Bearer and malformed Authorization headers → 401, and a token in the query string is not taken', async () => {
    const headers = [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Bearer  ',
      `Basic ${Buffer.from(`${victim.email}:${password}`).toString('base64')}`,
      `Token ${victim.token}`,
      `Bearer ${victim.token} ${victim.token}`,
      `Bearer "${victim.token}"`,
      `Bearer ${victim.token}\u0000`,
    ];
    for (const authorization of headers) {
      const response = await fetch(`${platform.bffUrl}/v1/notes`, {
        headers: authorization === undefined ? {} : { authorization },
      }).catch(() => undefined);
      // fetch itself refuses some header values (NUL): then nothing reached the platform.
      if (response === undefined) continue;
      const text = await response.text();
      assertProblem({ status: response.status, headers: response.headers, text, json: JSON.parse(text) }, 401);
    }
    assertProblem(await api.call('GET', `/v1/notes?access_token=${victim.token}`), 401);
  });

  test('the control: the same routes with the real token work, and the victim note survived every forgery', async () => {
    const note = await api.call('GET', `/v1/notes/${victimsNoteId}`, { token: victim.token });
    assert.equal(note.status, 200);
    assert.deepEqual([note.json.title, note.headers.get('etag')], ['victim', '"1"']);
    const titles = (await api.call('GET', '/v1/notes?limit=100', { token: victim.token })).json.items.map(
      (item: { title: string }) => item.title,
    );
    assert.ok(!titles.includes('planted'));
  });

  test('an access token used as a refresh token → 400 or 401, never a token pair', async () => {
    const response = await api.call('POST', '/v1/auth/refresh', { body: { refresh_token: victim.token } });
    assert.ok([400, 401].includes(response.status), response.text);
    assertProblem(response, response.status);
  });
});

describe('API3 broken object property level authorization: mass assignment (ASVS V5.1.2, V4.2.1)', () => {
  test('create and update ignore id, owner, version, timestamps and deletion fields sent in the body', async () => {
    const owner = await api.signedInUser(password);
    const other = await api.signedInUser(password);
    const chosenId = randomUUID();
    const injected = {
      id: chosenId,
      user_id: other.userId,
      owner_id: other.userId,
      ownerId: other.userId,
      version: 99,
      created_at: '2000-01-01T00:00:00.000Z',
      updated_at: '2000-01-01T00:00:00.000Z',
      deleted_at: '2000-01-01T00:00:00.000Z',
    };
    const startedAt = Date.now() - 60_000;
    const created = await api.call('POST', '/v1/notes', {
      token: owner.token,
      body: { title: 'mine', content: 'c', ...injected },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.json.id as string;
    assert.notEqual(id, chosenId);
    assert.equal(created.headers.get('etag'), '"1"');
    assert.equal(created.json.version, 1, "the version is the server's, not the 99 sent");
    assert.ok(Date.parse(created.json.created_at) >= startedAt, 'created_at is the server time');
    assert.deepEqual(Object.keys(created.json).sort(), noteKeys);

    const updated = await api.call('PUT', `/v1/notes/${id}`, {
      token: owner.token,
      body: { title: 'mine, edited', content: 'd', ...injected, id: randomUUID() },
    });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.json.id, id);
    assert.equal(updated.headers.get('etag'), '"2"');
    assert.equal(updated.json.created_at, created.json.created_at);

    // Read back: still the owner's, live, at version 2; the other user and the chosen id see nothing.
    const readBack = await api.call('GET', `/v1/notes/${id}`, { token: owner.token });
    assert.deepEqual(
      [readBack.status, readBack.json.title, readBack.headers.get('etag')],
      [200, 'mine, edited', '"2"'],
    );
    assertProblem(await api.call('GET', `/v1/notes/${id}`, { token: other.token }), 404);
    assertProblem(await api.call('GET', `/v1/notes/${chosenId}`, { token: owner.token }), 404);
    assertProblem(await api.call('GET', `/v1/notes/${chosenId}`, { token: other.token }), 404);
  });

  test('sign-up ignores user_id, created_at and role-like fields', async () => {
    const chosenId = randomUUID();
    const email = `mass-${randomUUID()}@example.com`;
    const signUp = await api.call('POST', '/v1/auth/sign-up', {
      body: {
        email,
        password,
        user_id: chosenId,
        created_at: '2000-01-01T00:00:00.000Z',
        role: 'admin',
        is_admin: true,
      },
    });
    assert.equal(signUp.status, 201, signUp.text);
    assert.notEqual(signUp.json.user_id, chosenId);
    assert.notEqual(signUp.json.created_at, '2000-01-01T00:00:00.000Z');
    const signIn = await api.call('POST', '/v1/auth/sign-in', { body: { email, password } });
    const claims = decodePart(signIn.json.access_token, 1);
    assert.equal(claims.sub, signUp.json.user_id);
    assert.deepEqual(Object.keys(claims).sort(), ['aud', 'exp', 'iat', 'iss', 'jti', 'sub']);
  });
});

describe('API4 unrestricted resource consumption (ASVS V2.1.2, V5.1.4, V12.1.1, V13.2.6)', () => {
  test('a body over 1 MiB → 413, on public and authenticated routes', async () => {
    const { token } = await api.signedInUser(password);
    const big = 'a'.repeat(1024 * 1024);
    assertProblem(await api.call('POST', '/v1/notes', { token, body: { title: 't', content: big } }), 413);
    assertProblem(await api.call('POST', '/v1/auth/sign-up', { body: { email: 'a@example.com', password: big } }), 413);
    assertProblem(await api.call('POST', '/v1/auth/sign-in', { body: { email: 'a@example.com', password: big } }), 413);
  });

  test('page size: limit 1 and 100 are served, 0, 101, negative, huge and non-numeric → 400', async () => {
    const { token } = await api.signedInUser(password);
    for (const limit of ['1', '100'])
      assert.equal((await api.call('GET', `/v1/notes?limit=${limit}`, { token })).status, 200);
    for (const limit of ['0', '101', '-1', '1000000000000', '1e3', 'abc', '']) {
      const response = await api.call('GET', `/v1/notes?limit=${limit}`, { token });
      if (limit === '') assert.ok([200, 400].includes(response.status), response.text);
      else assertProblem(response, 400);
    }
  });

  test('a password near 1 MB (under the body limit) → 400 on sign-up and sign-in, before any hashing; 129 characters → 400', async () => {
    const huge = 'p'.repeat(1_000_000);
    const email = `long-${randomUUID()}@example.com`;
    for (const path of ['/v1/auth/sign-up', '/v1/auth/sign-in']) {
      for (const candidate of [huge, 'p'.repeat(129)]) {
        const response = await api.call('POST', path, { body: { email, password: candidate } });
        // A 401 on sign-in would mean the password was hashed and compared.
        assertProblem(response, 400);
        assert.deepEqual(
          response.json.errors.map((error: { field: string }) => error.field),
          ['password'],
        );
      }
    }
    // 128 characters are allowed, counted as code points: 128 emoji are 512 bytes of UTF-8.
    const emojiPassword = '🔑'.repeat(128);
    assert.equal(
      (await api.call('POST', '/v1/auth/sign-up', { body: { email, password: emojiPassword } })).status,
      201,
    );
    assert.equal(
      (await api.call('POST', '/v1/auth/sign-in', { body: { email, password: emojiPassword } })).status,
      200,
    );
  });

  test('title at most 200 and content at most 100,000 characters (code points); email at most 254; refresh token at most 512', async () => {
    const { token } = await api.signedInUser(password);
    assert.equal((await api.call('POST', '/v1/notes', { token, body: { title: '𝄞'.repeat(200) } })).status, 201);
    assertProblem(await api.call('POST', '/v1/notes', { token, body: { title: 't'.repeat(201) } }), 400);
    const maxContent = await api.call('POST', '/v1/notes', {
      token,
      body: { title: 't', content: 'c'.repeat(100_000) },
    });
    assert.equal(maxContent.status, 201);
    assertProblem(
      await api.call('POST', '/v1/notes', { token, body: { title: 't', content: 'c'.repeat(100_001) } }),
      400,
    );
    assertProblem(
      await api.call('PUT', `/v1/notes/${maxContent.json.id}`, {
        token,
        body: { title: 't'.repeat(201), content: 'c'.repeat(100_001) },
      }),
      400,
    );
    const longEmail = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`;
    assertProblem(await api.call('POST', '/v1/auth/sign-up', { body: { email: longEmail, password } }), 400);
    assertProblem(await api.call('POST', '/v1/auth/sign-in', { body: { email: longEmail, password } }), 400);
    assertProblem(await api.call('POST', '/v1/auth/refresh', { body: { refresh_token: 'r'.repeat(513) } }), 400);
  });
});

describe('injection through every text field (ASVS V5.1.3, V5.2, V5.3.4, V5.5.2)', () => {
  const payloads = [
    "' OR 1=1--",
    "'; DROP TABLE notes; --",
    '" OR ""="',
    "1' UNION SELECT email, password_hash FROM users--",
    '\\',
    '%00',
    'a\u0000b',
    '\u0000',
    '<script>alert(1)</script>',
    '{{7*7}}<%= 7*7 %>',
    '{"$gt": ""}',
    'right-to-left \u202e override',
    'zero\u200bwidth',
    '\ud800 lone surrogate',
    '\udfff',
    '🙂'.repeat(150),
  ];

  /** 400, or 2xx with the text stored and given back exactly; never 500, never a leak. */
  function assertRefusedOrVerbatim(response: ApiResponse, sent: string, field: string, expected: number): void {
    assert.ok(response.status < 500, `${JSON.stringify(sent)}: ${response.status} ${response.text}`);
    if (response.status === 400) {
      assertProblem(response, 400);
      return;
    }
    assert.equal(response.status, expected, response.text);
    assert.equal(response.json[field], sent, `${field} comes back as sent`);
  }

  test('note title and content: stored and returned verbatim, or 400; never 500; nothing of others leaks', async () => {
    const { token } = await api.signedInUser(password);
    // The welcome note comes asynchronously: once it is there, nothing else arrives by itself.
    await api.welcomeNoteId(token);
    const before = (await api.call('GET', '/v1/notes?limit=100', { token })).json.items.length;
    let stored = 0;
    for (const text of payloads) {
      const created = await api.call('POST', '/v1/notes', { token, body: { title: `t ${text}`, content: text } });
      assertRefusedOrVerbatim(created, `t ${text}`, 'title', 201);
      if (created.status !== 201) continue;
      stored += 1;
      assert.equal(created.json.content, text);
      const got = await api.call('GET', `/v1/notes/${created.json.id}`, { token });
      assert.deepEqual([got.json.title, got.json.content], [`t ${text}`, text]);
      const updated = await api.call('PUT', `/v1/notes/${created.json.id}`, {
        token,
        body: { title: text, content: text },
      });
      if (text.trim() !== '') assertRefusedOrVerbatim(updated, text, 'title', 200);
    }
    const after = (await api.call('GET', '/v1/notes?limit=100', { token })).json.items.length;
    assert.equal(after, before + stored, 'exactly the notes created, no one else’s');
  });

  test('email and password on sign-up and sign-in: 400, 401 or an account that works with exactly that text; never 500', async () => {
    for (const text of payloads) {
      const email = `${text}@example.com`;
      const signUp = await api.call('POST', '/v1/auth/sign-up', { body: { email, password } });
      assert.ok([201, 400, 409].includes(signUp.status), `${JSON.stringify(email)}: ${signUp.text}`);
      if (signUp.status !== 201) assertProblem(signUp, signUp.status);
      const signIn = await api.call('POST', '/v1/auth/sign-in', { body: { email, password: `${text}${password}` } });
      assert.ok([400, 401].includes(signIn.status), `${JSON.stringify(email)}: ${signIn.text}`);
      assertProblem(signIn, signIn.status);
    }
    for (const text of payloads) {
      const email = `pw-${randomUUID()}@example.com`;
      const chosen = `${text}${password}`.slice(0, 128);
      const signUp = await api.call('POST', '/v1/auth/sign-up', { body: { email, password: chosen } });
      assert.ok([201, 400].includes(signUp.status), `${JSON.stringify(chosen)}: ${signUp.text}`);
      if (signUp.status !== 201) continue;
      assert.equal((await api.call('POST', '/v1/auth/sign-in', { body: { email, password: chosen } })).status, 200);
      assertProblem(await api.call('POST', '/v1/auth/sign-in', { body: { email, password: "' OR 1=1--" } }), 401);
    }
  });

  test('refresh token, cursor, query parameters and path id: 400 or 401; never 500', async () => {
    const { token } = await api.signedInUser(password);
    for (const text of payloads) {
      for (const path of ['/v1/auth/refresh', '/v1/auth/sign-out']) {
        const response = await api.call('POST', path, { body: { refresh_token: text } });
        assert.ok([204, 400, 401].includes(response.status), `${path} ${JSON.stringify(text)}: ${response.text}`);
      }
    }
    // In URLs: each payload percent-encoded (as UTF-8, a lone surrogate as its invalid 3-byte form), and raw invalid UTF-8.
    const inUrls = [
      ...payloads.map((text) =>
        text.isWellFormed() ? encodeURIComponent(text) : text.replace(/[\ud800-\udfff]/g, '%ed%a0%80'),
      ),
      '%ff',
      '%c3%28',
    ];
    for (const text of inUrls) {
      assertProblem(await api.call('GET', `/v1/notes?cursor=${text}`, { token }), 400);
      assertProblem(await api.call('GET', `/v1/notes?limit=${text}`, { token }), 400);
      for (const method of ['GET', 'DELETE'] as const) {
        const response = await api.call(method, `/v1/notes/${text}`, { token });
        // 414: a path parameter over 100 characters is refused before routing.
        assert.ok([400, 404, 414].includes(response.status), `${method} ${text.slice(0, 40)}: ${response.status}`);
        assertProblemIgnoringPath(response, response.status);
      }
    }
    for (const query of ['limit=1&limit=2', 'cursor[]=a', 'limit[$gt]=1', 'cursor=a&cursor=b']) {
      const response = await api.call('GET', `/v1/notes?${query}`, { token });
      assert.ok([200, 400].includes(response.status), `${query}: ${response.text}`);
      if (response.status === 400) assertProblem(response, 400);
    }
    for (const path of ['/v1/notes/..%2f..%2fetc%2fpasswd', '/v1/notes/%2e%2e', '/v1/notes/%00', '/v1/notes/%ff']) {
      const response = await api.call('GET', path, { token });
      assert.ok([400, 404].includes(response.status), `${path}: ${response.text}`);
      assertProblemIgnoringPath(response, response.status);
    }
  });

  test('invalid UTF-8 bytes in a body: 400, or stored as decoded (U+FFFD); never 500', async () => {
    const { token } = await api.signedInUser(password);
    const prefix = new TextEncoder().encode('{"title":"bad ');
    const suffix = new TextEncoder().encode('"}');
    for (const bad of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
      const body = new Uint8Array([...prefix, ...bad, ...suffix]);
      const response = await sendRaw('POST', '/v1/notes', body, token);
      assert.ok([201, 400].includes(response.status), response.text);
      if (response.status === 400) assertProblem(response, 400);
      else assert.equal(response.json.title, new TextDecoder().decode(body.slice(10, -2)));
    }
  });

  test('duplicate keys take one value; __proto__ and constructor.prototype keys are refused; nothing is polluted', async () => {
    const { token } = await api.signedInUser(password);
    const duplicate = await sendRaw('POST', '/v1/notes', '{"title":"first","title":"second"}', token);
    assert.ok([201, 400].includes(duplicate.status), duplicate.text);
    if (duplicate.status === 201) assert.ok(['first', 'second'].includes(duplicate.json.title));
    const pollutions = [
      '{"title":"p","__proto__":{"polluted":"yes","isAdmin":true}}',
      '{"title":"p","constructor":{"prototype":{"polluted":"yes"}}}',
      '{"title":"p","content":{"__proto__":{"polluted":"yes"}}}',
    ];
    for (const body of pollutions) {
      const response = await sendRaw('POST', '/v1/notes', body, token);
      assertProblem(response, 400);
    }
    const signUp = await sendRaw(
      'POST',
      '/v1/auth/sign-up',
      JSON.stringify({ email: `proto-${randomUUID()}@example.com`, password }).replace('{', '{"__proto__":{"x":1},'),
    );
    assertProblem(signUp, 400);
    // Every object the BFF made afterwards is unpolluted: a note's JSON has no extra key.
    const note = await api.call('POST', '/v1/notes', { token, body: { title: 'after' } });
    assert.deepEqual(Object.keys(note.json).sort(), noteKeys);
    assert.doesNotMatch(note.text, /polluted|isAdmin/);
  });

  test('malformed JSON, wrong types and wrong content types: 400 or 415, never 500', async () => {
    const { token } = await api.signedInUser(password);
    for (const body of [
      '{',
      '[]',
      'null',
      '"title"',
      '{"title": 5}',
      '{"title": ["a"]}',
      '{"title": {"$ne": 1}}',
      '{"title":"a"}x',
    ]) {
      assertProblem(await sendRaw('POST', '/v1/notes', body, token), 400);
    }
    const xml = await fetch(`${platform.bffUrl}/v1/notes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
      body: '<note><title>x</title></note>',
    });
    const text = await xml.text();
    assertProblem({ status: xml.status, headers: xml.headers, text, json: JSON.parse(text) }, 415);
  });
});

describe('account enumeration (ASVS V2.2.1, V3.2, API2)', () => {
  const signIn = (email: string, secret: string) =>
    api.call('POST', '/v1/auth/sign-in', { body: { email, password: secret } });
  /** The body of a problem without what differs per request (none today: instance is the path). */
  const comparable = (response: ApiResponse) => ({ status: response.status, body: response.json });

  test('unknown email, wrong password and a deleted account get the same 401 problem', async () => {
    const known = await api.signedInUser(password);
    const deleted = await api.signedInUser(password);
    assert.equal((await api.call('DELETE', '/v1/auth/me', { token: deleted.token })).status, 202);
    const unknown = await signIn(`nobody-${randomUUID()}@example.com`, password);
    const wrong = await signIn(known.email, 'not the password at all');
    const gone = await signIn(deleted.email, password);
    for (const response of [unknown, wrong, gone]) assertProblem(response, 401);
    assert.deepEqual(comparable(wrong), comparable(unknown));
    assert.deepEqual(comparable(gone), comparable(unknown));
    assert.equal(wrong.headers.get('www-authenticate'), unknown.headers.get('www-authenticate'));
    assert.notEqual(wrong.headers.get('x-request-id'), unknown.headers.get('x-request-id'));
  });

  test('unknown email and wrong password take similar time (medians within 0.5x to 2x): both verify an Argon2 hash', async () => {
    const known = await api.signedInUser(password);
    const timed = async (email: string) => {
      const started = performance.now();
      assert.equal((await signIn(email, 'not the password at all')).status, 401);
      return performance.now() - started;
    };
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const wrongPassword: number[] = [];
    const unknownEmail: number[] = [];
    // Interleaved, so that load from elsewhere weighs on both alike; 9 stays under the per-account limit of 10.
    for (let i = 0; i < 9; i++) {
      wrongPassword.push(await timed(known.email));
      unknownEmail.push(await timed(`nobody-${randomUUID()}@example.com`));
    }
    const ratio = median(unknownEmail) / median(wrongPassword);
    assert.ok(
      ratio >= 0.5 && ratio <= 2,
      `unknown email median ${median(unknownEmail).toFixed(1)} ms vs wrong password ${median(wrongPassword).toFixed(1)} ms`,
    );
  });

  test('sign-up with a taken email is a 409, in any letter case, as the contract states (see docs/security.md)', async () => {
    const { email } = await api.signedInUser(password);
    for (const candidate of [email, email.toUpperCase()]) {
      const response = await api.call('POST', '/v1/auth/sign-up', { body: { email: candidate, password } });
      assertProblem(response, 409);
      assert.doesNotMatch(response.text, new RegExp(email, 'i'));
    }
  });
});

describe('security headers and error bodies (ASVS V14.4, V14.5, V7.4.1, V8.2.1)', () => {
  test('every answer — success, every error, unknown routes, probes and documents — carries the standard headers', async () => {
    const { token, refreshToken } = await api.signedInUser(password);
    const note = (await api.call('POST', '/v1/notes', { token, body: { title: 'h' } })).json.id;
    const requests: [string, string, { body?: unknown; token?: string; headers?: Record<string, string> }][] = [
      ['GET', '/healthz', {}],
      ['GET', '/readyz', {}],
      ['GET', '/openapi.json', {}],
      ['GET', '/.well-known/jwks.json', {}],
      ['GET', '/v1/notes', { token }],
      ['GET', `/v1/notes/${note}`, { token }],
      ['GET', `/v1/notes/${randomUUID()}`, { token }],
      ['GET', '/v1/notes/not-a-uuid', { token }],
      ['GET', '/v1/notes', {}],
      ['GET', '/no/such/route', {}],
      ['DELETE', '/v1/auth/sign-in', {}],
      ['POST', '/v1/auth/sign-in', { body: { email: 'nobody@example.com', password } }],
      ['POST', '/v1/auth/sign-in', { body: '{' }],
      ['POST', '/v1/auth/sign-up', { body: { email: 'x', password: 'y' } }],
      ['POST', '/v1/auth/refresh', { body: { refresh_token: refreshToken } }],
      ['POST', '/v1/auth/sign-out', { body: { refresh_token: 'unknown' } }],
      ['POST', '/v1/notes', { token, body: 'x', headers: { 'content-type': 'text/plain' } }],
    ];
    for (const [method, path, options] of requests) {
      const response = await api.call(method, path, options);
      const what = `${method} ${path} → ${response.status}`;
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', what);
      assert.equal(response.headers.get('x-powered-by'), null, what);
      assert.equal(response.headers.get('server'), null, what);
      assert.match(response.headers.get('x-request-id') ?? '', /^[A-Za-z0-9._-]{1,128}$/, what);
      assert.equal(response.headers.get('access-control-allow-origin'), null, what);
      if (response.status >= 400) {
        assertProblem(response, response.status);
        assert.doesNotMatch(response.text, /stack|Error:|ConnectError|grpc|\/work\/|\.ts\b/i, what);
      } else if (response.text !== '') {
        assert.match(response.headers.get('content-type') ?? '', /^application\/json/, what);
      }
      if (path.startsWith('/v1/')) assert.equal(response.headers.get('cache-control'), 'no-store', what);
    }
  });

  test('cross-origin: no CORS grant to a foreign origin, neither on a preflight nor on a credentialed request', async () => {
    const { token } = await api.signedInUser(password);
    const origin = 'https://evil.example';
    const preflight = await fetch(`${platform.bffUrl}/v1/notes`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    await preflight.text();
    const actual = await api.call('GET', '/v1/notes', { token, headers: { origin } });
    for (const response of [preflight, actual]) {
      assert.notEqual(response.headers.get('access-control-allow-origin'), '*');
      assert.notEqual(response.headers.get('access-control-allow-origin'), origin);
      assert.equal(response.headers.get('access-control-allow-credentials'), null);
    }
  });

  test('an X-Request-Id with header-splitting or oversized content is replaced, not echoed', async () => {
    for (const id of ['a'.repeat(129), 'a b', 'x"y', 'id\tinjected', '../../etc']) {
      const response = await api.call('GET', '/healthz', { headers: { 'x-request-id': id } });
      assert.notEqual(response.headers.get('x-request-id'), id);
    }
    assert.equal(
      (await api.call('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id'),
      'abc-123',
    );
  });
});

describe('API4 rate limits per client IP (ASVS V2.2.1, V11.1.4)', () => {
  // Last in the file: it restarts the BFF with low limits and leaves it so.
  test('more requests than the per-IP limit → 429 with Retry-After; more failed sign-ins than the per-IP limit → 429 even with the right password', async () => {
    const { email } = await api.signedInUser(password);
    await platform.stopService('bff');
    await platform.startService('bff', {
      env: { RATE_LIMIT_PER_IP_MAX: '30', RATE_LIMIT_FAILED_SIGN_INS_PER_IP_MAX: '3' },
    });
    for (let i = 0; i < 3; i++) {
      assertProblem(
        await api.call('POST', '/v1/auth/sign-in', { body: { email: `x-${i}-${randomUUID()}@example.com`, password } }),
        401,
      );
    }
    const locked = await api.call('POST', '/v1/auth/sign-in', { body: { email, password } });
    assertProblem(locked, 429);
    assert.match(locked.headers.get('retry-after') ?? '', /^[1-9]\d*$/);

    let limited: ApiResponse | undefined;
    for (let i = 0; i < 40 && limited === undefined; i++) {
      const response = await api.call('GET', '/v1/notes');
      if (response.status === 429) limited = response;
      else assertProblem(response, 401);
    }
    assert.ok(limited, 'a 429 within 40 requests');
    assertProblem(limited, 429);
    assert.match(limited.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    // Probes are not limited: an orchestrator must still see the BFF live.
    assert.equal((await api.call('GET', '/healthz')).status, 200);
  });
});
