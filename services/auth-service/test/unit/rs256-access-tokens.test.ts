import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  importSPKI,
  jwtVerify,
} from 'jose';
import { createRs256AccessTokens } from '../../src/crypto/rs256-access-tokens.ts';
import { generateRsaKeyPair } from '../support/keys.ts';

const { privateKeyPem, publicKeyPem } = generateRsaKeyPair();
const settings = {
  privateKeyPem,
  previousPublicKeyPems: [],
  issuer: 'notes-platform',
  audience: 'notes-api',
  accessTtlSeconds: 900,
};
const tokens = createRs256AccessTokens(settings);

test('an access token carries iss, aud, sub, iat, exp = iat + ttl and a UUID jti, signed RS256', async () => {
  const userId = randomUUID();
  const issuedAt = new Date();
  const token = await tokens.issue(userId, issuedAt);
  const publicKey = await importSPKI(publicKeyPem, 'RS256');
  const { payload, protectedHeader } = await jwtVerify(token, publicKey, {
    issuer: 'notes-platform',
    audience: 'notes-api',
    algorithms: ['RS256'],
  });
  assert.equal(payload.sub, userId);
  assert.equal(payload.iat, Math.floor(issuedAt.getTime() / 1000));
  assert.equal(payload.exp, (payload.iat ?? 0) + 900);
  assert.match(payload.jti ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(protectedHeader.alg, 'RS256');
  assert.equal(protectedHeader.typ, 'JWT');
  assert.equal(tokens.ttlSeconds, 900);
});

test('every token has its own jti', async () => {
  const userId = randomUUID();
  const [first, second] = await Promise.all([tokens.issue(userId, new Date()), tokens.issue(userId, new Date())]);
  const jti = async (token: string) =>
    (await jwtVerify(token, await importSPKI(publicKeyPem, 'RS256'), { algorithms: ['RS256'] })).payload.jti;
  assert.notEqual(await jti(first), await jti(second));
});

test('kid is the RFC 7638 thumbprint of the public key', async () => {
  const token = await tokens.issue(randomUUID(), new Date());
  const expected = await calculateJwkThumbprint(await exportJWK(await importSPKI(publicKeyPem, 'RS256')), 'sha256');
  assert.equal(decodeProtectedHeader(token).kid, expected);
});

test('the JWKS holds the public key only, with kid, alg RS256 and use sig, and verifies tokens', async () => {
  const jwks = tokens.jwks();
  const publicJwk = await exportJWK(await importSPKI(publicKeyPem, 'RS256'));
  assert.equal(jwks.keys.length, 1);
  const [key] = jwks.keys;
  assert.deepEqual(key, {
    kty: 'RSA',
    n: publicJwk.n,
    e: publicJwk.e,
    kid: await calculateJwkThumbprint(publicJwk, 'sha256'),
    alg: 'RS256',
    use: 'sig',
  });
  const token = await tokens.issue('user-1', new Date());
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ['RS256'] });
  assert.equal(payload.sub, 'user-1');
});

test('a token of another key does not verify with this JWKS', async () => {
  const other = createRs256AccessTokens({ ...settings, privateKeyPem: generateRsaKeyPair().privateKeyPem });
  const forged = await other.issue('user-1', new Date());
  await assert.rejects(jwtVerify(forged, createLocalJWKSet(tokens.jwks()), { algorithms: ['RS256'] }));
});

test('a rotation: the previous keys are published after the signing key, and the tokens they signed still verify', async () => {
  const previous = generateRsaKeyPair();
  const older = generateRsaKeyPair();
  const beforeRotation = createRs256AccessTokens({ ...settings, privateKeyPem: previous.privateKeyPem });
  const oldToken = await beforeRotation.issue('user-1', new Date());

  const rotated = createRs256AccessTokens({
    ...settings,
    // The signing key listed again, and a key twice, are published once.
    previousPublicKeyPems: [previous.publicKeyPem, older.publicKeyPem, publicKeyPem, previous.publicKeyPem],
  });
  const jwks = rotated.jwks();
  const kidOf = async (pem: string) =>
    calculateJwkThumbprint(await exportJWK(await importSPKI(pem, 'RS256')), 'sha256');
  assert.deepEqual(
    jwks.keys.map((key) => key.kid),
    [await kidOf(publicKeyPem), await kidOf(previous.publicKeyPem), await kidOf(older.publicKeyPem)],
  );
  assert.ok(jwks.keys.every((key) => key.alg === 'RS256' && key.use === 'sig' && !('d' in key)));

  const keySet = createLocalJWKSet(jwks);
  assert.equal((await jwtVerify(oldToken, keySet, { algorithms: ['RS256'] })).payload.sub, 'user-1');
  const newToken = await rotated.issue('user-2', new Date());
  assert.equal(decodeProtectedHeader(newToken).kid, await kidOf(publicKeyPem));
  assert.equal((await jwtVerify(newToken, keySet, { algorithms: ['RS256'] })).payload.sub, 'user-2');
});
