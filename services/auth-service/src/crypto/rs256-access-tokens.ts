import { createHash, createPrivateKey, createPublicKey, type KeyObject, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { AccessTokenIssuer, PublicKeySet } from '../app/ports.ts';

export interface Rs256Settings {
  /** An RSA private key, PEM: it signs every token. */
  privateKeyPem: string;
  /** RSA public keys, PEM (SPKI), that verify tokens signed before a rotation: published, never used to sign. */
  previousPublicKeyPems: readonly string[];
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
}

/**
 * Signs access tokens (JWT, RS256) with one key and publishes its public half as a JWKS, followed
 * by the previous keys: tokens they signed keep verifying, so a rotation signs nobody out.
 */
export function createRs256AccessTokens(settings: Rs256Settings): AccessTokenIssuer & PublicKeySet {
  const privateKey = createPrivateKey(settings.privateKeyPem);
  const signingJwk = publicJwk(createPublicKey(privateKey));
  const { kid } = signingJwk;
  const previousJwks = settings.previousPublicKeyPems
    .map((pem) => publicJwk(createPublicKey(pem)))
    .filter((jwk, i, all) => jwk.kid !== kid && all.findIndex((other) => other.kid === jwk.kid) === i);
  return {
    ttlSeconds: settings.accessTtlSeconds,
    issue: (userId, issuedAt) => {
      const iat = Math.floor(issuedAt.getTime() / 1000);
      return new SignJWT()
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setSubject(userId)
        .setIssuedAt(iat)
        .setExpirationTime(iat + settings.accessTtlSeconds)
        .setJti(randomUUID())
        .sign(privateKey);
    },
    jwks: () => ({ keys: [signingJwk, ...previousJwks] }),
  };
}

/** An RSA public key as a JWK for RS256 signatures, named by its thumbprint. */
function publicJwk(key: KeyObject) {
  const { n, e } = key.export({ format: 'jwk' });
  if (n === undefined || e === undefined) throw new Error('a JWT key is not an RSA key');
  return { kty: 'RSA', n, e, kid: rsaJwkThumbprint(n, e), alg: 'RS256', use: 'sig' };
}

/**
 * The RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order, without
 * whitespace. Stable for the key, so verifiers can cache by kid across restarts.
 */
function rsaJwkThumbprint(n: string, e: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
}
