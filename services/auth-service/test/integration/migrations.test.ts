import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPool } from '@notes/postgres';
import { createTestDatabase } from '@notes/testkit';
import { applyAuthMigrations } from '../../src/db/migrations.ts';

const bookkeeping = ['schema_migrations', 'outbox_migrations', 'processed_events_migrations'];
const everyTable = ['users', 'refresh_tokens', 'sign_in_attempts', 'outbox', 'processed_events', ...bookkeeping];

test('migrate up creates the service’s tables, the outbox and processed_events; down reverts the newest migration of each set', async () => {
  const database = await createTestDatabase('auth_migrations');
  const pool = createPool({ dsn: database.url, maxConnections: 1, applicationName: 'auth-migrations-test' });
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
    await applyAuthMigrations(pool, 'up');
    assert.deepEqual(await tables(), everyTable);
    assert.equal(await hasDeletionColumn(), true);
    await applyAuthMigrations(pool, 'up'); // nothing pending: a no-op
    await applyAuthMigrations(pool, 'down');
    // The service's newest migration is 0003 (sign_in_attempts): the older ones stay.
    assert.deepEqual(await tables(), ['users', 'refresh_tokens', ...bookkeeping]);
    assert.equal(await hasDeletionColumn(), true);
    await applyAuthMigrations(pool, 'up');
    assert.deepEqual(await tables(), everyTable);
    assert.equal(await hasDeletionColumn(), true);
  } finally {
    await pool.end();
    await database.drop();
  }
});
