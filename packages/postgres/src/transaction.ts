import type { Pool, PoolClient } from './pool.ts';

/** What a repository needs to run SQL: a pool, or a client inside a transaction. */
export type Queryable = Pick<PoolClient, 'query'>;

/** Runs work in one transaction: committed when it resolves, rolled back when it throws. */
export async function withTransaction<T>(pool: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
