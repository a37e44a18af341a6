// The JWT signing-key rotation of docs/security.md, end to end (ASVS V2.9, V6.4.1): publish the new
// key, sign with it while the old one still verifies, then retire the old one. Nobody is signed
// out on the way, and once the old key is gone its tokens are refused.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { apiClient, assertProblem } from '../api.ts';
import { type RunningPlatform, startTestPlatform } from '../platform.ts';

const password = 'correct horse battery';
let platform: RunningPlatform;
let api: ReturnType<typeof apiClient>;
let newKeyDir: string;
before(async () => {
  platform = await startTestPlatform();
  api = apiClient(platform.bffUrl);
  newKeyDir = await mkdtemp(join(tmpdir(), 'notes-e2e-new-key-'));
});
after(async () => {
  await platform?.close();
  if (newKeyDir) await rm(newKeyDir, { recursive: true, force: true });
});

async function restart(service: 'auth' | 'bff', env: Record<string, string>): Promise<void> {
  await platform.stopService(service);
  await platform.startService(service, { env });
}

async function publishedKeyIds(): Promise<string[]> {
  const jwks = await api.call('GET', '/.well-known/jwks.json');
  assert.equal(jwks.status, 200);
  return jwks.json.keys.map((key: { kid: string }) => key.kid);
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

async function assertAccepted(token: string, what: string): Promise<void> {
  const response = await api.call('GET', '/v1/notes', { token });
  assert.equal(response.status, 200, `${what}: ${response.text}`);
}

test('rotation: the new key is published first, then signs while old tokens still verify; once retired, old tokens are refused and nobody is signed out', async () => {
  const newKeys = {
    privateKeyFile: join(newKeyDir, 'jwt-private.pem'),
    publicKeyFile: join(newKeyDir, 'jwt-public.pem'),
  };
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await writeFile(newKeys.privateKeyFile, privateKey, { mode: 0o600 });
  await writeFile(newKeys.publicKeyFile, publicKey);
  const oldKeys = platform.keys;

  // Before: one key, which signs every token.
  const early = await api.signedInUser(password);
  const oldKid = kidOf(early.token);
  assert.deepEqual(await publishedKeyIds(), [oldKid]);
  await assertAccepted(early.token, 'a token of the old key');

  // Step 1: publish the new key's public half beside the signing key; the BFFs learn it (restart or jwksMaxAgeMs).
  await restart('auth', { JWT_PREVIOUS_PUBLIC_KEYS: newKeys.publicKeyFile });
  await restart('bff', {});
  const [signingKid, newKid] = await publishedKeyIds();
  assert.equal(signingKid, oldKid);
  assert.ok(newKid !== undefined && newKid !== oldKid);
  const stillOld = await api.signedInUser(password);
  assert.equal(kidOf(stillOld.token), oldKid, 'the old key still signs');

  // Step 2: sign with the new key, the old one published for verification only; pin the new key in the BFF.
  await restart('auth', { JWT_PRIVATE_KEY: newKeys.privateKeyFile, JWT_PREVIOUS_PUBLIC_KEYS: oldKeys.publicKeyFile });
  await restart('bff', { JWT_PUBLIC_KEY: newKeys.publicKeyFile });
  assert.deepEqual(await publishedKeyIds(), [newKid, oldKid]);
  const late = await api.signedInUser(password);
  assert.equal(kidOf(late.token), newKid, 'new tokens carry the new kid');
  await assertAccepted(late.token, 'a token of the new key');
  await assertAccepted(early.token, 'a token of the old key, before its expiry');
  // A refresh token of before the rotation still refreshes, into a token of the new key.
  const refreshed = await api.call('POST', '/v1/auth/refresh', { body: { refresh_token: early.refreshToken } });
  assert.equal(refreshed.status, 200, refreshed.text);
  assert.equal(kidOf(refreshed.json.access_token), newKid);

  // Step 3 (once the access-token lifetime has passed): retire the old key everywhere.
  await restart('auth', { JWT_PRIVATE_KEY: newKeys.privateKeyFile });
  await restart('bff', { JWT_PUBLIC_KEY: newKeys.publicKeyFile });
  assert.deepEqual(await publishedKeyIds(), [newKid]);
  for (const token of [early.token, stillOld.token]) {
    const refused = await api.call('GET', '/v1/notes', { token });
    assertProblem(refused, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /invalid_token/);
  }
  await assertAccepted(late.token, 'a token of the new key');
  await assertAccepted(refreshed.json.access_token, 'a refreshed token');
  const nextPair = await api.call('POST', '/v1/auth/refresh', { body: { refresh_token: stillOld.refreshToken } });
  assert.equal(nextPair.status, 200, 'a session of the old key goes on with a new access token');
  await assertAccepted(nextPair.json.access_token, 'the new access token of an old session');
});
