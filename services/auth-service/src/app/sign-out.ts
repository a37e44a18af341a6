import type { Clock, RefreshTokensRepository } from './ports.ts';
import { hashRefreshToken } from './refresh-token-secret.ts';

export interface SignOutDependencies {
  refreshTokens: RefreshTokensRepository;
  clock: Clock;
}

/** Revokes the token's family. An unknown or already revoked token is not an error (idempotent). */
export type SignOut = (refreshToken: string) => Promise<void>;

export function createSignOut(deps: SignOutDependencies): SignOut {
  return (refreshToken) => deps.refreshTokens.revokeFamilyOf(hashRefreshToken(refreshToken), deps.clock.now());
}
