import type { AccessTokenIssuer, Clock, NewId, RefreshTokenSecrets, RefreshTokensRepository } from './ports.ts';

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
  secrets: RefreshTokenSecrets;
  clock: Clock;
  newId: NewId;
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
    const refreshToken = deps.secrets.generate();
    await refreshTokens.insert({
      id: deps.newId(),
      userId,
      familyId,
      tokenHash: deps.secrets.hash(refreshToken),
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
