import type { Queryable } from '@notes/postgres';
import type { UserRecord, UsersRepository } from '../app/ports.ts';
import { EmailTaken } from '../domain/errors.ts';

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: Date;
  deletion_requested_at: Date | null;
}

const columns = 'id, email, password_hash, created_at, deletion_requested_at';

/** Users on a pool, or on a transaction's client. */
export function createUsersRepository(db: Queryable): UsersRepository {
  return {
    async insert(user) {
      try {
        await db.query(`INSERT INTO users (${columns}) VALUES ($1, $2, $3, $4, $5)`, [
          user.id,
          user.email,
          user.passwordHash,
          user.createdAt,
          user.deletionRequestedAt,
        ]);
      } catch (error) {
        if (isUniqueViolationOf(error, 'users_email_key')) throw new EmailTaken();
        throw error;
      }
    },

    async findByEmail(email) {
      const { rows } = await db.query<UserRow>(`SELECT ${columns} FROM users WHERE email = $1`, [email]);
      return rows[0] === undefined ? undefined : toUserRecord(rows[0]);
    },

    async findById(userId) {
      const { rows } = await db.query<UserRow>(`SELECT ${columns} FROM users WHERE id = $1`, [userId]);
      return rows[0] === undefined ? undefined : toUserRecord(rows[0]);
    },

    async markDeletionRequested(userId, at) {
      const { rowCount } = await db.query(
        'UPDATE users SET deletion_requested_at = coalesce(deletion_requested_at, $2) WHERE id = $1',
        [userId, at],
      );
      return rowCount === 1;
    },

    async delete(userId) {
      const { rowCount } = await db.query('DELETE FROM users WHERE id = $1', [userId]);
      return (rowCount ?? 0) > 0;
    },
  };
}

function toUserRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    deletionRequestedAt: row.deletion_requested_at,
  };
}

function isUniqueViolationOf(error: unknown, constraint: string): boolean {
  const details = error as { code?: unknown; constraint?: unknown };
  return details.code === '23505' && details.constraint === constraint;
}
