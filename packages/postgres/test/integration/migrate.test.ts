import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@notes/testkit';
import { createPool, migrate, type Pool } from '../../src/index.ts';

let database: TestDatabase;
let pool: Pool;
let directory: string;

before(async () => {
  database = await createTestDatabase('migrate');
  pool = createPool({ dsn: database.url, maxConnections: 10, applicationName: 'migrate-test' });
  directory = await mkdtemp(join(tmpdir(), 'migrations-'));
  await writeFile(join(directory, '0001_widgets.up.sql'), 'CREATE TABLE widgets (id int PRIMARY KEY);');
  await writeFile(join(directory, '0001_widgets.down.sql'), 'DROP TABLE widgets;');
  await writeFile(join(directory, '0002_widget_name.up.sql'), 'ALTER TABLE widgets ADD COLUMN name text;');
  await writeFile(join(directory, '0002_widget_name.down.sql'), 'ALTER TABLE widgets DROP COLUMN name;');
});

after(async () => {
  await pool.end();
  await database.drop();
});

test('replicas migrating at once apply each migration exactly once', async () => {
  const results = await Promise.all(Array.from({ length: 5 }, () => migrate({ pool, directory, direction: 'up' })));
  const applied = results.flatMap((r) => r.applied).sort();
  assert.deepEqual(applied, ['1_widgets', '2_widget_name']);
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM schema_migrations');
  assert.equal(rows[0].n, 2);
  await pool.query("INSERT INTO widgets (id, name) VALUES (1, 'a')");
});

test('down reverts the newest migration, up applies it again', async () => {
  const down = await migrate({ pool, directory, direction: 'down' });
  assert.deepEqual(down.reverted, ['2_widget_name']);
  await assert.rejects(pool.query('SELECT name FROM widgets'), /column "name" does not exist/);
  const up = await migrate({ pool, directory, direction: 'up' });
  assert.deepEqual(up.applied, ['2_widget_name']);
});

test('a migration edited after it was applied is refused', async () => {
  await writeFile(join(directory, '0001_widgets.up.sql'), 'CREATE TABLE widgets (id bigint PRIMARY KEY);');
  await assert.rejects(migrate({ pool, directory, direction: 'up' }), /changed after it was applied/);
});

test('a second set of migrations keeps its own table and versions', async () => {
  const other = await mkdtemp(join(tmpdir(), 'migrations-'));
  await writeFile(join(other, '0001_gadgets.up.sql'), 'CREATE TABLE gadgets (id int PRIMARY KEY);');
  await writeFile(join(other, '0001_gadgets.down.sql'), 'DROP TABLE gadgets;');
  const result = await migrate({ pool, directory: other, direction: 'up', table: 'gadget_migrations' });
  assert.deepEqual(result.applied, ['1_gadgets']);
  const { rows } = await pool.query('SELECT version FROM gadget_migrations');
  assert.deepEqual(rows, [{ version: '1' }]);
  await pool.query('SELECT id FROM gadgets');
});
