import type { Queryable } from '@notes/postgres';
import type { SignInAttempts } from '../app/ports.ts';

/** The counts of sign_in_attempts, one row per email, each update atomic (one statement). */
export function createSignInAttemptsRepository(db: Queryable): SignInAttempts {
  return {
    async begin(email, at, windowSeconds) {
      const { rows } = await db.query<{ window_started_at: Date; attempts: number }>(
        `INSERT INTO sign_in_attempts AS counted (email, window_started_at, attempts) VALUES ($1, $2, 1)
         ON CONFLICT (email) DO UPDATE SET
           attempts = CASE WHEN counted.window_started_at > $2::timestamptz - make_interval(secs => $3)
                           THEN counted.attempts + 1 ELSE 1 END,
           window_started_at = CASE WHEN counted.window_started_at > $2::timestamptz - make_interval(secs => $3)
                                    THEN counted.window_started_at ELSE $2 END
         RETURNING window_started_at, attempts`,
        [email, at, windowSeconds],
      );
      const [row] = rows;
      if (row === undefined) throw new Error('sign_in_attempts: no row returned');
      return { attempts: row.attempts, windowEndsAt: new Date(row.window_started_at.getTime() + windowSeconds * 1000) };
    },

    async succeeded(email) {
      await db.query('DELETE FROM sign_in_attempts WHERE email = $1', [email]);
    },

    async purgeEnded(before, windowSeconds) {
      const { rowCount } = await db.query(
        'DELETE FROM sign_in_attempts WHERE window_started_at <= $1::timestamptz - make_interval(secs => $2)',
        [before, windowSeconds],
      );
      return rowCount ?? 0;
    },
  };
}
