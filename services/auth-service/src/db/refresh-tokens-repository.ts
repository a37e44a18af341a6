import type { Queryable } from '@notes/postgres';
import type { RefreshTokenRecord, RefreshTokensRepository } from '../app/ports.ts';

interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  token_hash: Buffer;
  expires_at: Date;
  created_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

const columns = 'id, user_id, family_id, token_hash, expires_at, created_at, used_at, revoked_at';

/** Refresh tokens on a pool, or on a transaction's client (lockByHash needs one). */
export function createRefreshTokensRepository(db: Queryable): RefreshTokensRepository {
  return {
    async insert(token) {
      await db.query(`INSERT INTO refresh_tokens (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        token.id,
        token.userId,
        token.familyId,
        token.tokenHash,
        token.expiresAt,
        token.createdAt,
        token.usedAt,
        token.revokedAt,
      ]);
    },

    async lockByHash(tokenHash) {
      const { rows } = await db.query<RefreshTokenRow>(
        `SELECT ${columns} FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
        [tokenHash],
      );
      return rows[0] === undefined ? undefined : toRefreshTokenRecord(rows[0]);
    },

    async markUsed(tokenId, at) {
      await db.query('UPDATE refresh_tokens SET used_at = $2 WHERE id = $1', [tokenId, at]);
    },

    async revokeFamilyOf(tokenHash, at) {
      await db.query(
        `UPDATE refresh_tokens SET revoked_at = $2
          WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)
            AND revoked_at IS NULL`,
        [tokenHash, at],
      );
    },

    async revokeAllOf(userId, at) {
      await db.query('UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [
        userId,
        at,
      ]);
    },
  };
}

function toRefreshTokenRecord(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    familyId: row.family_id,
    tokenHash: row.token_hash,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * Deletes the families in which no token can be exchanged any more at `now` (each expired or
 * revoked), up to familiesPerStatement a statement; returns the rows deleted. A family with one
 * live token keeps its used ones: presenting one of those must still revoke the family.
 */
export async function purgeEndedRefreshTokenFamilies(
  db: Queryable,
  now: Date,
  familiesPerStatement = 1_000,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM refresh_tokens WHERE family_id IN (
         SELECT family_id FROM refresh_tokens
         GROUP BY family_id
         HAVING bool_and(expires_at <= $1 OR revoked_at IS NOT NULL)
         LIMIT $2)`,
      [now, familiesPerStatement],
    );
    if (!rowCount) return deleted;
    deleted += rowCount;
  }
}
