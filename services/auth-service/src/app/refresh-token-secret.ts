import { createHash, randomBytes } from 'node:crypto';

/** An opaque refresh token: 32 random bytes, base64url. Only the client keeps it. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored and looked up instead of the token, so a database leak yields no usable token. */
export function hashRefreshToken(refreshToken: string): Uint8Array {
  return createHash('sha256').update(refreshToken).digest();
}
