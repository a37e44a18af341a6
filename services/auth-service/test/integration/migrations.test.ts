import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@notes/logger';
import { createPool } from '@notes/postgres';
import { createTestDatabase } from '@notes/testkit';
import { migrateAuthDatabase } from '../../src/compose.ts';
import type { MigrationConfig } from '../../src/config.ts';

test('migrate up creates the service’s tables and the outbox; down reverts the newest migration of each set', async () => {
  const database = await createTestDatabase('auth_migrations');
  const pool = createPool({ dsn: database.url, maxConnections: 1, applicationName: 'auth-migrations-test' });
  const settings: MigrationConfig = {
    database: { dsn: database.url, maxConnections: 2, migrateOnStart: true },
    log: { level: 'silent' },
  };
  const logger = createLogger({ service: 'auth-service', level: 'silent' });
  const tables = async () => {
    const { rows } = await pool.query<{ name: string | null }>(
      `SELECT to_regclass(name)::text AS name FROM unnest($1::text[]) AS t(name)`,
      [['users', 'refresh_tokens', 'outbox', 'schema_migrations', 'outbox_migrations']],
    );
    return rows.map((row) => row.name).filter((name) => name !== null);
  };
  try {
    await migrateAuthDatabase(settings, 'up', logger);
    assert.deepEqual(await tables(), ['users', 'refresh_tokens', 'outbox', 'schema_migrations', 'outbox_migrations']);
    await migrateAuthDatabase(settings, 'up', logger); // nothing pending: a no-op
    await migrateAuthDatabase(settings, 'down', logger);
    assert.deepEqual(await tables(), ['schema_migrations', 'outbox_migrations']);
    await migrateAuthDatabase(settings, 'up', logger);
    assert.deepEqual(await tables(), ['users', 'refresh_tokens', 'outbox', 'schema_migrations', 'outbox_migrations']);
  } finally {
    await pool.end();
    await database.drop();
  }
});
