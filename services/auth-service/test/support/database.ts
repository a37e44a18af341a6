import { createLogger } from '@notes/logger';
import { createPool, type Pool } from '@notes/postgres';
import { createTestDatabase } from '@notes/testkit';
import { migrateAuthDatabase } from '../../src/compose.ts';
import type { MigrationConfig } from '../../src/config.ts';

export interface MigratedDatabase {
  url: string;
  pool: Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh database with auth-service's migrations applied (as `main.ts migrate up` does). */
export async function createMigratedDatabase(prefix: string): Promise<MigratedDatabase> {
  const database = await createTestDatabase(prefix);
  const settings: MigrationConfig = {
    database: { dsn: database.url, maxConnections: 2, migrateOnStart: true },
    log: { level: 'warn' },
  };
  await migrateAuthDatabase(settings, 'up', createLogger({ service: 'auth-service', level: 'warn' }));
  const pool = createPool({ dsn: database.url, maxConnections: 5, applicationName: `${prefix}-test` });
  return {
    url: database.url,
    pool,
    drop: async () => {
      await pool.end();
      await database.drop();
    },
  };
}
