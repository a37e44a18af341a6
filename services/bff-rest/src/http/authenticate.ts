import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type AccessTokenVerifier, InvalidAccessTokenError } from './access-token.ts';
import { ProblemError } from './problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user (the access token's `sub`); set on authenticated routes only. */
    ownerId: string;
    /** When the request's access token expires (ms since the epoch); set on authenticated routes only. */
    accessExpiresAtMs: number;
  }
}

/** The Authorization header of a request, as far as Bearer authentication (RFC 6750) is concerned. */
export type BearerCredentials = { kind: 'none' } | { kind: 'malformed' } | { kind: 'token'; token: string };

// RFC 6750 §2.1: "Bearer" 1*SP b64token.
const bearerAuthorization = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export function parseBearerCredentials(header: string | undefined): BearerCredentials {
  if (header === undefined || !/^Bearer(\s|$)/i.test(header)) return { kind: 'none' };
  const token = bearerAuthorization.exec(header)?.[1];
  return token === undefined ? { kind: 'malformed' } : { kind: 'token', token };
}

const missingToken = () =>
  new ProblemError(401, 'This route needs an access token (Authorization: Bearer <token>).', {
    headers: { 'www-authenticate': 'Bearer' },
  });
const invalidToken = () =>
  new ProblemError(401, 'The access token is invalid or expired.', {
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  });

/**
 * Makes every route of `scope` authenticated: before anything else (even body parsing), the
 * Bearer token is verified and its subject becomes `request.ownerId`; else 401.
 */
export function requireAccessToken(scope: FastifyInstance, verifier: AccessTokenVerifier): void {
  scope.decorateRequest('ownerId', '');
  scope.decorateRequest('accessExpiresAtMs', 0);
  scope.addHook('onRequest', async (request: FastifyRequest) => {
    const credentials = parseBearerCredentials(request.headers.authorization);
    if (credentials.kind === 'none') throw missingToken();
    if (credentials.kind === 'malformed') throw invalidToken();
    try {
      const claims = await verifier.verify(credentials.token);
      request.ownerId = claims.userId;
      request.accessExpiresAtMs = claims.expiresAtMs;
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) throw invalidToken();
      throw error;
    }
  });
}
