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

test("migrations go up (the service's own, the outbox's, then processed_events), down (the other way round) and up again", async () => {
  assert.deepEqual((await migrateNotesDatabase(pool, 'up')).applied, [
    '1_notes',
    '2_welcome_note',
    '3_notes_by_owner',
    '1_outbox',
    '1_processed_events',
  ]);
  assert.deepEqual(await tables(), ['notes', 'outbox', 'processed_events']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'up')).applied, [], 'nothing left to apply');

  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, [
    '1_processed_events',
    '1_outbox',
    '3_notes_by_owner',
  ]);
  assert.deepEqual(await tables(), ['notes']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['2_welcome_note']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['1_notes']);
  assert.deepEqual(await tables(), []);

  await migrateNotesDatabase(pool, 'up');
  assert.deepEqual(await tables(), ['notes', 'outbox', 'processed_events']);
});
