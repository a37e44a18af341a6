import type { Queryable } from '@notes/postgres';

/**
 * Deletes the sagas that ended well (COMPLETED or COMPENSATED) before `before`, with their
 * history, chunkSize a statement; returns how many sagas went. FAILED sagas stay: they wait for
 * an operator. Replicas may purge at once: each chunk skips the rows another one has locked.
 */
export async function purgeFinishedSagas(db: Queryable, before: Date, chunkSize = 1_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM sagas WHERE id IN (
         SELECT id FROM sagas
         WHERE state IN ('COMPLETED', 'COMPENSATED') AND updated_at < $1
         LIMIT $2
         FOR UPDATE SKIP LOCKED)`,
      [before, chunkSize],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < chunkSize) return deleted;
  }
}
