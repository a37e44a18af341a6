import { v7 as uuidv7 } from 'uuid';
import type { AccessTokenIssuer, Clock, RefreshTokensRepository } from './ports.ts';
import { hashRefreshToken, newRefreshToken } from './refresh-token-secret.ts';

/** An OAuth 2.0-style token response. */
export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

export interface TokenPairDependencies {
  accessTokens: AccessTokenIssuer;
  clock: Clock;
  refreshTtlSeconds: number;
}

/** Issues an access token and stores a new refresh token of the family, through the given repository (maybe a transaction's). */
export type IssueTokenPair = (
  refreshTokens: RefreshTokensRepository,
  owner: { userId: string; familyId: string },
) => Promise<TokenPair>;

export function createTokenPairIssuer(deps: TokenPairDependencies): IssueTokenPair {
  return async (refreshTokens, { userId, familyId }) => {
    const now = deps.clock.now();
    const refreshToken = newRefreshToken();
    await refreshTokens.insert({
      id: uuidv7(),
      userId,
      familyId,
      tokenHash: hashRefreshToken(refreshToken),
      expiresAt: new Date(now.getTime() + deps.refreshTtlSeconds * 1000),
      createdAt: now,
      usedAt: null,
      revokedAt: null,
    });
    return {
      accessToken: await deps.accessTokens.issue(userId, now),
      tokenType: 'Bearer',
      expiresIn: deps.accessTokens.ttlSeconds,
      refreshToken,
      refreshExpiresIn: deps.refreshTtlSeconds,
    };
  };
}
