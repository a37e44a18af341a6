import type { Clock, RefreshTokenSecrets, RefreshTokensRepository } from './ports.ts';

export interface SignOutDependencies {
  refreshTokens: RefreshTokensRepository;
  secrets: Pick<RefreshTokenSecrets, 'hash'>;
  clock: Clock;
}

/** Revokes the token's family. An unknown or already revoked token is not an error (idempotent). */
export type SignOut = (refreshToken: string) => Promise<void>;

export function createSignOut(deps: SignOutDependencies): SignOut {
  return (refreshToken) => deps.refreshTokens.revokeFamilyOf(deps.secrets.hash(refreshToken), deps.clock.now());
}
