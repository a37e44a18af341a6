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
    '5_note_search',
    '6_idempotency_keys',
    '7_change_feed',
    '1_outbox',
    '1_processed_events',
  ]);
  assert.deepEqual(await tables(), ['idempotency_keys', 'note_change_purges', 'notes', 'outbox', 'processed_events']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'up')).applied, [], 'nothing left to apply');

  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, [
    '1_processed_events',
    '1_outbox',
    '7_change_feed',
  ]);
  assert.deepEqual(await tables(), ['idempotency_keys', 'notes']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['6_idempotency_keys']);
  assert.deepEqual(await tables(), ['notes']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['5_note_search']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['4_note_tags_pinned_archived']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['3_notes_by_owner']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['2_welcome_note']);
  assert.deepEqual((await migrateNotesDatabase(pool, 'down')).reverted, ['1_notes']);
  assert.deepEqual(await tables(), []);

  await migrateNotesDatabase(pool, 'up');
  assert.deepEqual(await tables(), ['idempotency_keys', 'note_change_purges', 'notes', 'outbox', 'processed_events']);
});

async function columns(): Promise<string[]> {
  const { rows } = await pool.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'notes' ORDER BY ordinal_position",
  );
  return rows.map((row) => row.column_name);
}

test('tags, pinned and archived come with defaults for the notes already there, and go again without losing them', async () => {
  await migrateNotesDatabase(pool, 'up');
  // Down to the notes' third migration: the other sets and the seventh first, then the sixth, the fifth, the fourth.
  await migrateNotesDatabase(pool, 'down');
  await migrateNotesDatabase(pool, 'down');
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

test("the change feed stamps the notes already there with the migration's transaction, and goes again without losing them", async () => {
  await migrateNotesDatabase(pool, 'up');
  // Down to the notes' fourth migration: the other sets and the seventh go together.
  await migrateNotesDatabase(pool, 'down');
  assert.ok(!(await columns()).includes('change_xid'));
  const id = '0190f5f4-7b1c-7a3e-8f00-0000000000bb';
  await pool.query(
    `INSERT INTO notes (id, owner_id, title, content, version, created_at, updated_at)
     VALUES ($1, $1, 'before the feed', 'text', 2, now(), now())`,
    [id],
  );

  await migrateNotesDatabase(pool, 'up');
  const { rows } = await pool.query<{ stamped: boolean; purged_through: string }>(
    `SELECT change_xid < pg_current_xact_id() AS stamped, (SELECT purged_through::text FROM note_change_purges) AS purged_through
     FROM notes WHERE id = $1`,
    [id],
  );
  assert.deepEqual(rows, [{ stamped: true, purged_through: '0' }], 'stamped before any cursor; nothing purged yet');
  await assert.rejects(
    pool.query("INSERT INTO note_change_purges (singleton, purged_through) VALUES (false, '1')"),
    /note_change_purges_one_row/,
  );

  await migrateNotesDatabase(pool, 'down');
  assert.ok(!(await columns()).includes('change_xid'));
  const { rows: kept } = await pool.query('SELECT title, version FROM notes WHERE id = $1', [id]);
  assert.deepEqual(kept, [{ title: 'before the feed', version: '2' }], 'the note itself stays');
  await pool.query('DELETE FROM notes');
  await migrateNotesDatabase(pool, 'up');
});

async function indexes(): Promise<string[]> {
  const { rows } = await pool.query<{ indexname: string }>(
    "SELECT indexname FROM pg_indexes WHERE tablename = 'notes' ORDER BY 1",
  );
  return rows.map((row) => row.indexname);
}

test('the search words of the notes already there are stored on the way up, and go again (with their indexes) on the way down', async () => {
  await migrateNotesDatabase(pool, 'up');
  // Down to the notes' fourth migration: the other sets and the seventh first, then the sixth, then the fifth.
  await migrateNotesDatabase(pool, 'down');
  await migrateNotesDatabase(pool, 'down');
  await migrateNotesDatabase(pool, 'down');
  assert.ok(!(await columns()).includes('search'));
  const id = '0190f5f4-7b1c-7a3e-8f00-0000000000bb';
  await pool.query(
    `INSERT INTO notes (id, owner_id, title, content, version, created_at, updated_at)
     VALUES ($1, $1, 'Купить МОЛОКО', 'Buy milk', 1, now(), now())`,
    [id],
  );

  await migrateNotesDatabase(pool, 'up');
  const { rows } = await pool.query('SELECT search::text FROM notes WHERE id = $1', [id]);
  assert.deepEqual(rows, [{ search: "'buy':3B 'milk':4B 'купить':1A 'молоко':2A" }], 'lower-cased, title first');
  assert.ok((await indexes()).includes('notes_owner_search_idx'));
  assert.ok((await indexes()).includes('notes_owner_tags_idx'));

  await migrateNotesDatabase(pool, 'down');
  await migrateNotesDatabase(pool, 'down');
  await migrateNotesDatabase(pool, 'down');
  assert.ok(!(await columns()).includes('search'));
  assert.deepEqual(
    (await indexes()).filter((name) => name === 'notes_owner_search_idx' || name === 'notes_owner_tags_idx'),
    [],
  );
  const { rows: extensions } = await pool.query("SELECT extname FROM pg_extension WHERE extname = 'btree_gin'");
  assert.deepEqual(extensions, []);
  const { rows: kept } = await pool.query('SELECT title FROM notes WHERE id = $1', [id]);
  assert.deepEqual(kept, [{ title: 'Купить МОЛОКО' }], 'the note itself stays');
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

  // The other sets and the seventh first, then the sixth.
  await migrateNotesDatabase(pool, 'down');
  await migrateNotesDatabase(pool, 'down');
  assert.ok(!(await tables()).includes('idempotency_keys'));
  await migrateNotesDatabase(pool, 'up');
  const { rows } = await pool.query('SELECT count(*)::int AS keys FROM idempotency_keys');
  assert.deepEqual(rows, [{ keys: 0 }]);
});
