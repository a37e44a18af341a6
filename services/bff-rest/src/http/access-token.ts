import { errors, importSPKI, jwtVerify } from 'jose';

/** Who an access token was issued to. */
export interface AccessTokenClaims {
  /** The token's `sub`: the only source of a request's owner. */
  userId: string;
}

/** Checks an access token; rejects with InvalidAccessTokenError when it must not be honoured. */
export interface AccessTokenVerifier {
  verify(token: string): Promise<AccessTokenClaims>;
}

/** The token is malformed, expired, not ours or forged; the client learns only that it is invalid. */
export class InvalidAccessTokenError extends Error {
  override name = 'InvalidAccessTokenError';
}

export interface JwtVerifierOptions {
  /** The issuer's public key, PEM (SPKI). */
  publicKeyPem: string;
  issuer: string;
  audience: string;
}

/**
 * Verifies auth-service's access tokens: RS256 only (never `none`, never HMAC with the public key
 * as a secret), signed by the configured key, issued by `issuer` for `audience`, unexpired.
 */
export async function createJwtAccessTokenVerifier(options: JwtVerifierOptions): Promise<AccessTokenVerifier> {
  const key = await importSPKI(options.publicKeyPem, 'RS256');
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['RS256'],
          issuer: options.issuer,
          audience: options.audience,
          requiredClaims: ['sub', 'exp'],
        });
        if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidAccessTokenError('no subject');
        return { userId: payload.sub };
      } catch (error) {
        if (error instanceof errors.JOSEError) throw new InvalidAccessTokenError(error.code, { cause: error });
        throw error;
      }
    },
  };
}
