import type { FastifyRequest } from 'fastify';
import { ProblemError } from './problem.ts';

/**
 * Where a browser session's refresh token lives: a cookie scripts cannot read (HttpOnly), sent
 * only over TLS or to this machine (Secure), never on a request another site starts
 * (SameSite=Strict), and only to the session routes (Path), not to the notes API.
 */
export const refreshCookie = { name: 'notes_refresh', path: '/v1/auth/session' } as const;

/** The Set-Cookie value that holds the refresh token for its lifetime. */
export function refreshCookieFor(refreshToken: string, maxAgeSeconds: number): string {
  return `${refreshCookie.name}=${refreshToken}; Path=${refreshCookie.path}; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Strict`;
}

/** The Set-Cookie value that makes the browser forget the refresh token. */
export const clearedRefreshCookie = refreshCookieFor('', 0);

/** The refresh token the request's cookie carries, if any (refresh tokens are URL-safe: no decoding). */
export function refreshTokenFromCookie(request: FastifyRequest): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = pair.trim().split('=');
    if (name === refreshCookie.name && value.length > 0 && value.join('=') !== '') return value.join('=');
  }
  return undefined;
}

/**
 * CSRF: a request that a cookie authenticates, or that sets one, must come from a page of this
 * very origin. Browsers send Origin on every such request (fetch POST/DELETE); a missing or other
 * one is refused before anything happens.
 */
export async function requireSameOrigin(request: FastifyRequest): Promise<void> {
  const origin = request.headers.origin;
  if (origin === undefined || origin !== `${request.protocol}://${request.host}`) {
    throw new ProblemError(403, 'This request must come from a page of this site (its Origin header).');
  }
}
