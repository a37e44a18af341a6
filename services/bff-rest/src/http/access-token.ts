import { createHash, createPublicKey } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, errors, type JWK, jwtVerify } from 'jose';

/** Who an access token was issued to. */
export interface AccessTokenClaims {
  /** The token's `sub`: the only source of a request's owner. */
  userId: string;
  /** The token's `exp` in milliseconds: what outlives a request (a change stream) ends then. */
  expiresAtMs: number;
}

/** Checks an access token; rejects with InvalidAccessTokenError when it must not be honoured. */
export interface AccessTokenVerifier {
  verify(token: string): Promise<AccessTokenClaims>;
}

/** The token is malformed, expired, not ours or forged; the client learns only that it is invalid. */
export class InvalidAccessTokenError extends Error {
  override name = 'InvalidAccessTokenError';
}

/** A JSON Web Key Set (RFC 7517). */
export interface Jwks {
  keys: JWK[];
}

export interface JwksVerifierOptions {
  /** The issuer's current JWKS (auth-service's GetJwks); its failure rejects the verification. */
  fetchJwks: () => Promise<Jwks>;
  /** A key trusted besides the JWKS, PEM (SPKI): tokens it signed verify without fetching anything. */
  pinnedPublicKeyPem?: string | undefined;
  issuer: string;
  audience: string;
  /** A token naming a key id the cached set lacks fetches the set again, at most this often. */
  refetchIntervalMs: number;
  /** A cached set older than this is fetched again with the next token. */
  maxAgeMs: number;
  now?: () => number;
}

/**
 * Verifies auth-service's access tokens: RS256 only (never `none`, never HMAC with a public key as
 * the secret), signed by a key of the issuer's JWKS (or the pinned key), issued by `issuer` for
 * `audience`, unexpired. Several keys may be valid at once, told apart by the token's `kid`, so
 * the issuer can sign with a new key while tokens of the previous one still verify.
 */
export function createJwksAccessTokenVerifier(options: JwksVerifierOptions): AccessTokenVerifier {
  const keySet = createKeySetCache({
    ...options,
    pinnedKeys: options.pinnedPublicKeyPem === undefined ? [] : [rsaPublicJwk(options.pinnedPublicKeyPem)],
  });
  const verified = createVerifiedTokens();
  return {
    async verify(token) {
      try {
        const keys = await keySet.forKeyId(keyIdOf(token));
        const known = verified.get(token, keys);
        if (known !== undefined) return known;
        const { payload } = await jwtVerify(token, keys, {
          algorithms: ['RS256'],
          issuer: options.issuer,
          audience: options.audience,
          requiredClaims: ['sub', 'exp'],
        });
        if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidAccessTokenError('no subject');
        const claims = { userId: payload.sub, expiresAtMs: (payload.exp ?? 0) * 1000 };
        verified.add(token, keys, claims);
        return claims;
      } catch (error) {
        if (error instanceof errors.JOSEError) throw new InvalidAccessTokenError(error.code, { cause: error });
        throw error;
      }
    },
  };
}

// A client sends the same token with every request for its 15 minutes, and checking an RS256
// signature is the largest cost of an authenticated request (measured: bench/README.md).
const verifiedTokensKept = 5_000;

/**
 * Tokens already verified, answered without checking the signature again: only while the key set
 * they were verified with is still the current one (a refreshed set, which may have dropped their
 * key, verifies them anew) and only until they expire. The oldest are forgotten first.
 */
function createVerifiedTokens() {
  const tokens = new Map<string, { claims: AccessTokenClaims; keys: LocalKeySet }>();
  return {
    get(token: string, keys: LocalKeySet): AccessTokenClaims | undefined {
      const entry = tokens.get(token);
      if (entry === undefined) return undefined;
      if (entry.keys === keys && Date.now() < entry.claims.expiresAtMs) return entry.claims;
      tokens.delete(token);
      return undefined;
    },
    add(token: string, keys: LocalKeySet, claims: AccessTokenClaims) {
      if (tokens.size >= verifiedTokensKept) tokens.delete(tokens.keys().next().value as string);
      tokens.set(token, { claims, keys });
    },
  };
}

function keyIdOf(token: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(token);
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    throw new InvalidAccessTokenError('not a JWS');
  }
}

/** An RSA public key (PEM, SPKI) as a JWK for RS256, its kid the RFC 7638 thumbprint, as auth-service names it. */
export function rsaPublicJwk(pem: string): JWK {
  const { n, e } = createPublicKey(pem).export({ format: 'jwk' });
  const kid = createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
  return { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' };
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

interface KeySetCacheOptions extends Pick<JwksVerifierOptions, 'fetchJwks' | 'refetchIntervalMs' | 'maxAgeMs'> {
  pinnedKeys: JWK[];
  now?: () => number;
}

/**
 * The verification keys: the pinned ones and the last JWKS fetched. One fetch at a time, and at
 * most one per refetchIntervalMs: a burst of tokens with made-up key ids costs one fetch.
 */
function createKeySetCache(options: KeySetCacheOptions) {
  const now = options.now ?? Date.now;
  let keys = options.pinnedKeys;
  let keySet: LocalKeySet = createLocalJWKSet({ keys });
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let lastFetch: Promise<void> | undefined;

  const fetchKeys = () => {
    fetchedAt = now();
    lastFetch = options.fetchJwks().then((jwks) => {
      keys = mergeByKeyId(options.pinnedKeys, jwks.keys);
      keySet = createLocalJWKSet({ keys });
    });
    // Nobody may await this fetch (a stale set is used meanwhile): its failure must not go unhandled.
    lastFetch.catch(() => undefined);
    return lastFetch;
  };

  return {
    /**
     * The key set to verify a token naming `kid` with. An unknown kid waits for a fetch (or for
     * the last one, inside the interval: its failure is this call's failure, so an unreachable
     * auth-service is a 503, not a 401); a stale set is refreshed in the background.
     */
    async forKeyId(kid: string | undefined): Promise<LocalKeySet> {
      const age = now() - fetchedAt;
      if (kid !== undefined && !keys.some((key) => key.kid === kid)) {
        await (age >= options.refetchIntervalMs ? fetchKeys() : lastFetch);
      } else if (age >= Math.max(options.maxAgeMs, options.refetchIntervalMs)) {
        void fetchKeys();
      }
      return keySet;
    },
  };
}

/** The keys of both lists, the first list's winning when a kid is in both. */
function mergeByKeyId(first: JWK[], second: JWK[]): JWK[] {
  return [...first, ...second.filter((key) => !first.some((pinned) => pinned.kid === key.kid))];
}
