import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@notes/logger';
import { createPool } from '@notes/postgres';
import { createTestDatabase } from '@notes/testkit';
import { migrateAuthDatabase } from '../../src/compose.ts';
import type { MigrationConfig } from '../../src/config.ts';

const bookkeeping = ['schema_migrations', 'outbox_migrations', 'processed_events_migrations'];
const everyTable = ['users', 'refresh_tokens', 'sign_in_attempts', 'outbox', 'processed_events', ...bookkeeping];

test('migrate up creates the service’s tables, the outbox and processed_events; down reverts the newest migration of each set', async () => {
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
      [everyTable],
    );
    return rows.map((row) => row.name).filter((name) => name !== null);
  };
  const hasDeletionColumn = async () => {
    const { rows } = await pool.query(
      "SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'deletion_requested_at'",
    );
    return rows.length === 1;
  };
  try {
    await migrateAuthDatabase(settings, 'up', logger);
    assert.deepEqual(await tables(), everyTable);
    assert.equal(await hasDeletionColumn(), true);
    await migrateAuthDatabase(settings, 'up', logger); // nothing pending: a no-op
    await migrateAuthDatabase(settings, 'down', logger);
    // The service's newest migration is 0003 (sign_in_attempts): the older ones stay.
    assert.deepEqual(await tables(), ['users', 'refresh_tokens', ...bookkeeping]);
    assert.equal(await hasDeletionColumn(), true);
    await migrateAuthDatabase(settings, 'up', logger);
    assert.deepEqual(await tables(), everyTable);
    assert.equal(await hasDeletionColumn(), true);
  } finally {
    await pool.end();
    await database.drop();
  }
});
