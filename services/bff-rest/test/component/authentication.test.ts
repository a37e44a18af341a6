import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { assertProblem } from './assertions.ts';
import { audience, buildTestBff, generateSigningKeys, issuer, mintAccessToken, type TestBff } from './fakes.ts';

let bff: TestBff;
before(async () => {
  bff = await buildTestBff();
});
after(() => bff.app.close());

const invalidToken = 'Bearer error="invalid_token"';

function listNotes(authorization?: string) {
  return bff.app.inject({ url: '/v1/notes', headers: authorization === undefined ? {} : { authorization } });
}

/** Each forged or broken token, by what is wrong with it. */
const badTokens: Record<string, () => Promise<string>> = {
  expired: () => mintAccessToken(bff.keys, randomUUID(), { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
  'from another issuer': () => mintAccessToken(bff.keys, randomUUID(), { issuer: 'someone-else' }),
  'for another audience': () => mintAccessToken(bff.keys, randomUUID(), { audience: 'other-api' }),
  'signed by another key': async () =>
    mintAccessToken(bff.keys, randomUUID(), { privateKey: (await generateSigningKeys()).privateKey }),
  'unsigned (alg none)': async () =>
    new UnsecuredJWT({ sub: randomUUID() }).setIssuer(issuer).setAudience(audience).setExpirationTime('15m').encode(),
  'HS256 with the public key as secret': () =>
    new SignJWT({ sub: randomUUID() })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('15m')
      .sign(new TextEncoder().encode(bff.keys.publicKeyPem)),
  'without a subject': () =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('15m')
      .sign(bff.keys.privateKey),
  'that never expires': () =>
    new SignJWT({ sub: randomUUID() })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(issuer)
      .setAudience(audience)
      .sign(bff.keys.privateKey),
  'with a tampered payload': async () => {
    const [header, , signature] = (await mintAccessToken(bff.keys, randomUUID())).split('.');
    const payload = Buffer.from(JSON.stringify({ sub: randomUUID(), iss: issuer, aud: audience, exp: 4_000_000_000 }));
    return `${header}.${payload.toString('base64url')}.${signature}`;
  },
  'not a JWT': async () => 'abc.def.ghi',
};

describe('Bearer authentication of /v1/notes*', () => {
  it('lets a valid token through', async () => {
    const { authorization } = await bff.signedInUser();
    assert.equal((await listNotes(authorization)).statusCode, 200);
  });

  it('answers 401 with WWW-Authenticate: Bearer without a token', async () => {
    for (const authorization of [undefined, 'Basic dXNlcjpwYXNzd29yZA==']) {
      const response = await listNotes(authorization);
      assertProblem(response, 401);
      assert.equal(response.headers['www-authenticate'], 'Bearer');
    }
  });

  it('answers 401 invalid_token for a malformed header', async () => {
    for (const authorization of ['Bearer', 'Bearer two tokens', 'Bearer "quoted"']) {
      const response = await listNotes(authorization);
      assertProblem(response, 401);
      assert.equal(response.headers['www-authenticate'], invalidToken, authorization);
    }
  });

  for (const [what, mint] of Object.entries(badTokens)) {
    it(`answers 401 invalid_token for a token ${what}`, async () => {
      const response = await listNotes(`Bearer ${await mint()}`);
      assertProblem(response, 401);
      assert.equal(response.headers['www-authenticate'], invalidToken);
    });
  }

  it('rejects before reading the body, and never calls notes-service', async () => {
    const callsBefore = bff.upstreams.calls.length;
    const response = await bff.app.inject({ method: 'POST', url: '/v1/notes', payload: { title: 5 } });
    assertProblem(response, 401);
    const text = await bff.app.inject({
      method: 'POST',
      url: '/v1/notes',
      payload: 'hello',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${await badTokens.expired?.()}` },
    });
    assertProblem(text, 401);
    assert.equal(bff.upstreams.calls.length, callsBefore);
  });

  it('guards every notes route', async () => {
    const id = randomUUID();
    const routes = [
      { method: 'POST', url: '/v1/notes' },
      { method: 'GET', url: '/v1/notes' },
      { method: 'GET', url: `/v1/notes/${id}` },
      { method: 'PUT', url: `/v1/notes/${id}` },
      { method: 'DELETE', url: `/v1/notes/${id}` },
    ] as const;
    for (const route of routes) assertProblem(await bff.app.inject(route), 401);
  });
});
