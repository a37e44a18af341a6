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
    '4_note_tags_pinned_archived',
    '6_idempotency_keys',
    '1_outbox',
    '1_processed_events',
  ]);
  assert.deepEqual(await tables(), ['idempotency_keys', 'notes', 'outbox', 'processed_events']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'up')).applied, [], 'nothing left to apply');

  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, [
    '1_processed_events',
    '1_outbox',
    '6_idempotency_keys',
  ]);
  assert.deepEqual(await tables(), ['notes']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['4_note_tags_pinned_archived']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['3_notes_by_owner']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['2_welcome_note']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['1_notes']);
  assert.deepEqual(await tables(), []);

  await migrateNotesDatabase(pool, 'up');
  assert.deepEqual(await tables(), ['idempotency_keys', 'notes', 'outbox', 'processed_events']);
});

async function columns(): Promise<string[]> {
  const { rows } = await pool.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'notes' ORDER BY ordinal_position",
  );
  return rows.map((row) => row.column_name);
}

test('tags, pinned and archived come with defaults for the notes already there, and go again without losing them', async () => {
  await migrateNotesDatabase(pool, 'up');
  // Down to the notes' third migration: the other sets first with the sixth, then the fourth.
  await migrateNotesDatabase(pool, 'down');
  await migrateNotesDatabase(pool, 'down');
  assert.ok(!(await columns()).includes('tags'));
  const id = '0190f5f4-7b1c-7a3e-8f00-0000000000aa';
  await pool.query(
    `INSERT INTO notes (id, owner_id, title, content, version, created_at, updated_at)
     VALUES ($1, $1, 'before', 'text', 3, now(), now())`,
    [id],
  );

  await migrateNotesDatabase(pool, 'up');
  const { rows } = await pool.query('SELECT title, version, tags, pinned, archived FROM notes WHERE id = $1', [id]);
  assert.deepEqual(rows, [{ title: 'before', version: '3', tags: [], pinned: false, archived: false }]);
  await assert.rejects(
    pool.query('UPDATE notes SET tags = $2 WHERE id = $1', [id, Array.from({ length: 21 }, (_, i) => `t${i}`)]),
    /notes_tags_count_check/,
  );

  await migrateNotesDatabase(pool, 'down');
  await migrateNotesDatabase(pool, 'down');
  assert.deepEqual(
    (await columns()).filter((name) => ['tags', 'pinned', 'archived'].includes(name)),
    [],
  );
  const { rows: kept } = await pool.query('SELECT title, version FROM notes WHERE id = $1', [id]);
  assert.deepEqual(kept, [{ title: 'before', version: '3' }], 'the note itself stays');
  await pool.query('DELETE FROM notes');
  await migrateNotesDatabase(pool, 'up');
});

test('idempotency keys come and go with migration 6: one row per owner and key, the notes untouched', async () => {
  await migrateNotesDatabase(pool, 'up');
  const owner = '0190f5f4-7b1c-7a3e-8f00-0000000000bb';
  const insertKey = () =>
    pool.query(
      `INSERT INTO idempotency_keys (owner_id, key, fingerprint, answer, created_at)
       VALUES ($1, 'k', '\\x01', '\\x02', now())`,
      [owner],
    );
  await insertKey();
  await assert.rejects(insertKey(), /idempotency_keys_pkey/);

  await migrateNotesDatabase(pool, 'down');
  assert.ok(!(await tables()).includes('idempotency_keys'));
  await migrateNotesDatabase(pool, 'up');
  const { rows } = await pool.query('SELECT count(*)::int AS keys FROM idempotency_keys');
  assert.deepEqual(rows, [{ keys: 0 }]);
});
