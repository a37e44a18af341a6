import { createPool, type Pool } from '@notes/postgres';
import { createTestDatabase } from '@notes/testkit';
import { applyAuthMigrations } from '../../src/db/migrations.ts';

export interface MigratedDatabase {
  url: string;
  pool: Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh database with auth-service's migrations applied (as `main.ts migrate up` does). */
export async function createMigratedDatabase(prefix: string): Promise<MigratedDatabase> {
  const database = await createTestDatabase(prefix);
  const pool = createPool({ dsn: database.url, maxConnections: 5, applicationName: `${prefix}-test` });
  await applyAuthMigrations(pool, 'up');
  return {
    url: database.url,
    pool,
    drop: async () => {
      await pool.end();
      await database.drop();
    },
  };
}
