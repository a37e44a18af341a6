import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import {
  type AccessTokenVerifier,
  createJwksAccessTokenVerifier,
  InvalidAccessTokenError,
  type Jwks,
  rsaPublicJwk,
} from '../../src/http/access-token.ts';

const issuer = 'notes-platform';
const audience = 'notes-api';

interface Key {
  jwk: JWK;
  pem: string;
  privateKey: Parameters<SignJWT['sign']>[0];
  sign(userId: string): Promise<string>;
}

/** An RS256 key pair as auth-service has it: kid = thumbprint, and tokens signed with it. */
async function newKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported, 'sha256');
  return {
    jwk: { ...exported, kid, alg: 'RS256', use: 'sig' },
    pem: await exportSPKI(publicKey),
    privateKey,
    sign: (userId) =>
      new SignJWT()
        .setProtectedHeader({ alg: 'RS256', kid })
        .setSubject(userId)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('15m')
        .sign(privateKey),
  };
}

/** A JWKS endpoint that counts its fetches, and a clock the test moves. */
function issuerStub(keys: Key[]) {
  const stub = {
    published: keys,
    fetches: 0,
    failure: undefined as Error | undefined,
    nowMs: 0,
    fetchJwks: async (): Promise<Jwks> => {
      stub.fetches++;
      if (stub.failure !== undefined) throw stub.failure;
      return { keys: stub.published.map((key) => key.jwk) };
    },
  };
  return stub;
}

function verifierOver(stub: ReturnType<typeof issuerStub>, pinned?: Key): AccessTokenVerifier {
  return createJwksAccessTokenVerifier({
    fetchJwks: stub.fetchJwks,
    pinnedPublicKeyPem: pinned?.pem,
    issuer,
    audience,
    refetchIntervalMs: 5_000,
    maxAgeMs: 300_000,
    now: () => stub.nowMs,
  });
}

describe('the JWKS key set of the access token verifier', () => {
  it('verifies tokens of the previous key while the new key signs new ones', async () => {
    const previous = await newKey();
    const current = await newKey();
    const verifier = verifierOver(issuerStub([current, previous]));
    const [oldUser, newUser] = [randomUUID(), randomUUID()];
    assert.equal((await verifier.verify(await previous.sign(oldUser))).userId, oldUser);
    assert.equal((await verifier.verify(await current.sign(newUser))).userId, newUser);
  });

  it("gives the token's expiry with its subject", async () => {
    const key = await newKey();
    const before = Date.now();
    const claims = await verifierOver(issuerStub([key])).verify(await key.sign('someone'));
    assert.ok(claims.expiresAtMs > before + 14 * 60_000 && claims.expiresAtMs <= before + 15 * 60_000 + 1000);
  });

  it('refuses a token it verified before once the token has expired', async () => {
    const key = await newKey();
    const verifier = verifierOver(issuerStub([key]));
    const expiresAt = Math.ceil(Date.now() / 1000) + 1;
    const token = await new SignJWT()
      .setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid as string })
      .setSubject(randomUUID())
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime(expiresAt)
      .sign(key.privateKey);
    await verifier.verify(token);
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));
    await assert.rejects(verifier.verify(token), InvalidAccessTokenError);
  });

  it('fetches the set again when a token names a key it lacks (a rotation), once per interval', async () => {
    const first = await newKey();
    const second = await newKey();
    const stub = issuerStub([first]);
    const verifier = verifierOver(stub);
    await verifier.verify(await first.sign(randomUUID()));
    assert.equal(stub.fetches, 1);

    stub.published = [second, first];
    const rotated = await second.sign(randomUUID());
    // Inside the interval, the key stays unknown: no fetch, and the token is refused.
    await assert.rejects(verifier.verify(rotated), InvalidAccessTokenError);
    assert.equal(stub.fetches, 1);
    stub.nowMs += 5_000;
    await verifier.verify(rotated);
    assert.equal(stub.fetches, 2);
    await verifier.verify(await first.sign(randomUUID()));
    assert.equal(stub.fetches, 2, 'known keys need no fetch');
  });

  it('fetches once for a burst of tokens naming unknown keys', async () => {
    const stub = issuerStub([await newKey()]);
    const verifier = verifierOver(stub);
    const strangers = await Promise.all([newKey(), newKey(), newKey()]);
    const tokens = await Promise.all(strangers.map((key) => key.sign(randomUUID())));
    const outcomes = await Promise.allSettled(tokens.map((token) => verifier.verify(token)));
    for (const outcome of outcomes) {
      assert.ok(outcome.status === 'rejected' && outcome.reason instanceof InvalidAccessTokenError);
    }
    assert.equal(stub.fetches, 1);
  });

  it('fails (not as an invalid token) when the set cannot be fetched, until a fetch succeeds', async () => {
    const key = await newKey();
    const stub = issuerStub([key]);
    stub.failure = new Error('auth-service unavailable');
    const verifier = verifierOver(stub);
    const token = await key.sign(randomUUID());
    await assert.rejects(verifier.verify(token), /auth-service unavailable/);
    await assert.rejects(verifier.verify(token), /auth-service unavailable/, 'the same failure inside the interval');
    assert.equal(stub.fetches, 1);
    stub.failure = undefined;
    stub.nowMs += 5_000;
    await verifier.verify(token);
  });

  it('verifies with a pinned key without asking the issuer', async () => {
    const pinned = await newKey();
    const stub = issuerStub([]);
    stub.failure = new Error('auth-service unavailable');
    const userId = randomUUID();
    assert.equal((await verifierOver(stub, pinned).verify(await pinned.sign(userId))).userId, userId);
  });

  it('names a pinned key as auth-service does (its thumbprint)', async () => {
    const key = await newKey();
    assert.deepEqual(rsaPublicJwk(key.pem), key.jwk);
  });

  it('forgets a key the issuer no longer publishes once the set is older than its max age', async () => {
    const retired = await newKey();
    const current = await newKey();
    const stub = issuerStub([current, retired]);
    const verifier = verifierOver(stub);
    const token = await retired.sign(randomUUID());
    await verifier.verify(token);

    stub.published = [current];
    stub.nowMs += 300_000;
    // The stale set still answers this one while a fresh one is fetched in the background.
    await verifier.verify(token);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stub.fetches, 2);
    await assert.rejects(verifier.verify(token), InvalidAccessTokenError);
  });
});
