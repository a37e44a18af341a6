import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPool, type Pool } from '@notes/postgres';
import { createTestDatabase, type TestDatabase } from '@notes/testkit';
import { migrateNotesDatabase } from '../../src/db/migrations.ts';

let database: TestDatabase;
let pool: Pool;

before(async () => {
  database = await createTestDatabase('notes_migrations');
  pool = createPool({ dsn: database.url, maxConnections: 2, applicationName: 'notes-migrations-test' });
});

after(async () => {
  await pool?.end();
  await database?.drop();
});

async function tables(): Promise<string[]> {
  const { rows } = await pool.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1",
  );
  return rows.map((row) => row.tablename);
}

test('migrations go up, down and up again', async () => {
  assert.deepEqual((await migrateNotesDatabase(pool, 'up')).applied, ['1_notes']);
  assert.deepEqual(await tables(), ['notes']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'up')).applied, [], 'nothing left to apply');

  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['1_notes']);
  assert.deepEqual(await tables(), []);

  await migrateNotesDatabase(pool, 'up');
  assert.deepEqual(await tables(), ['notes']);
});
