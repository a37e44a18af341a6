import { createHash, createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { AccessTokenIssuer, PublicKeySet } from '../app/ports.ts';

export interface Rs256Settings {
  /** An RSA private key, PEM. */
  privateKeyPem: string;
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
}

/** Signs access tokens (JWT, RS256) with one key and publishes its public half as a JWKS. */
export function createRs256AccessTokens(settings: Rs256Settings): AccessTokenIssuer & PublicKeySet {
  const privateKey = createPrivateKey(settings.privateKeyPem);
  const { n, e } = createPublicKey(privateKey).export({ format: 'jwk' });
  if (n === undefined || e === undefined) throw new Error('the JWT signing key is not an RSA key');
  const kid = rsaJwkThumbprint(n, e);
  const publicJwk = { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' };
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
    jwks: () => ({ keys: [publicJwk] }),
  };
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
