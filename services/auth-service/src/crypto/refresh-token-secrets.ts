import { createHash, randomBytes } from 'node:crypto';
import type { RefreshTokenSecrets } from '../app/ports.ts';

/** Opaque refresh tokens of 32 random bytes (base64url), stored as their SHA-256. */
export function createRefreshTokenSecrets(): RefreshTokenSecrets {
  return {
    generate: () => randomBytes(32).toString('base64url'),
    hash: (refreshToken) => createHash('sha256').update(refreshToken).digest(),
  };
}
