import type { Queryable } from '@notes/postgres';

/** True when the database answers a query; throws (counted as unhealthy) when it does not. */
export async function databaseAnswers(db: Queryable): Promise<boolean> {
  await db.query('SELECT 1');
  return true;
}
