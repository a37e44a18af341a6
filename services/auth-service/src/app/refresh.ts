import { mayAuthenticate } from '../domain/account.ts';
import { InvalidRefreshToken } from '../domain/errors.ts';
import { judgeRefreshToken } from '../domain/refresh-token.ts';
import type { Clock, RefreshTokenSecrets, UnitOfWork } from './ports.ts';
import type { IssueTokenPair, TokenPair } from './token-pair.ts';

export interface RefreshDependencies {
  unitOfWork: UnitOfWork;
  issueTokenPair: IssueTokenPair;
  secrets: Pick<RefreshTokenSecrets, 'hash'>;
  clock: Clock;
}

/**
 * Exchanges a refresh token, once, for a new pair in the same family. Throws InvalidRefreshToken;
 * a token presented a second time also revokes its whole family. An account being deleted gets no
 * new pair, whatever the token.
 */
export type Refresh = (refreshToken: string) => Promise<TokenPair>;

export function createRefresh(deps: RefreshDependencies): Refresh {
  return async (refreshToken) => {
    const tokenHash = deps.secrets.hash(refreshToken);
    // A refusal leaves the transaction as a value, not as an exception: the family revocation
    // that reuse triggers has to be committed, not rolled back.
    const tokens = await deps.unitOfWork.run(async ({ users, refreshTokens }) => {
      const stored = await refreshTokens.lockByHash(tokenHash);
      if (stored === undefined) return undefined;
      const now = deps.clock.now();
      const verdict = judgeRefreshToken(stored, now);
      if (verdict === 'reused') await refreshTokens.revokeFamilyOf(tokenHash, now);
      if (verdict !== 'usable') return undefined;
      // Beginning the account's deletion revoked its tokens; checking the account as well refuses
      // a token that a refresh racing with it still issued.
      const owner = await users.findById(stored.userId);
      if (owner === undefined || !mayAuthenticate(owner)) return undefined;
      await refreshTokens.markUsed(stored.id, now);
      return deps.issueTokenPair(refreshTokens, { userId: stored.userId, familyId: stored.familyId });
    });
    if (tokens === undefined) throw new InvalidRefreshToken();
    return tokens;
  };
}
