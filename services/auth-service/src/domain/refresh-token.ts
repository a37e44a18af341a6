/** What decides whether a stored refresh token may be exchanged. */
export interface RefreshTokenState {
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * - usable: exchange it once for a new pair in the same family;
 * - reused: it was exchanged before, so a copy is in someone else's hands: revoke the family;
 * - revoked / expired: refuse.
 */
export type RefreshTokenVerdict = 'usable' | 'reused' | 'revoked' | 'expired';

export function judgeRefreshToken(token: RefreshTokenState, now: Date): RefreshTokenVerdict {
  // A revoked family needs no second revocation.
  if (token.revokedAt !== null) return 'revoked';
  // Reuse wins over expiry: an old stolen token still tells that its family is compromised.
  if (token.usedAt !== null) return 'reused';
  if (now.getTime() >= token.expiresAt.getTime()) return 'expired';
  return 'usable';
}
