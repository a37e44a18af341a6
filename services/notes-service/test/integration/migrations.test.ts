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
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '%migrations' ORDER BY 1",
  );
  return rows.map((row) => row.tablename);
}

test("migrations go up (the service's own, then the outbox's), down (the other way round) and up again", async () => {
  assert.deepEqual((await migrateNotesDatabase(pool, 'up')).applied, ['1_notes', '1_outbox']);
  assert.deepEqual(await tables(), ['notes', 'outbox']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'up')).applied, [], 'nothing left to apply');

  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['1_outbox', '1_notes']);
  assert.deepEqual(await tables(), []);

  await migrateNotesDatabase(pool, 'up');
  assert.deepEqual(await tables(), ['notes', 'outbox']);
});
