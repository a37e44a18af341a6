// withTransaction on a real PostgreSQL: deferred writes (one statement when they are the whole
// transaction, committed together or not at all), BEGIN only before a query, rollbacks; and
// prepared statements after a schema change and on a new connection.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@notes/testkit';
import { createPool, type Pool, preparedStatement, withTransaction } from '../../src/index.ts';

let database: TestDatabase;
let pool: Pool;
/** The text of every statement the pool's connection was sent, in order. */
const sent: string[] = [];

before(async () => {
  database = await createTestDatabase('transaction');
  // One connection, so every test sees what was sent on it (and the one prepared statements live on).
  pool = createPool({ dsn: database.url, maxConnections: 1, applicationName: 'transaction-test' });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const first = args[0] as string | { text: string };
      sent.push(typeof first === 'string' ? first : first.text);
      return query(...args);
    }) as typeof client.query;
  });
  await pool.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)');
  await pool.query('CREATE TABLE item_events (item_id int NOT NULL, type text NOT NULL)');
});

after(async () => {
  await pool?.end();
  await database?.drop();
});

beforeEach(() => {
  sent.length = 0;
});

const insertItem = preparedStatement('INSERT INTO items (id, name) VALUES ($1, $2)');
const insertEvent = preparedStatement('INSERT INTO item_events (item_id, type) VALUES ($1, $2)');
const selectItem = preparedStatement('SELECT id, name FROM items WHERE id = $1');

async function stored(id: number): Promise<{ items: string[]; events: string[] }> {
  const items = await pool.query<{ name: string }>('SELECT name FROM items WHERE id = $1', [id]);
  const events = await pool.query<{ type: string }>('SELECT type FROM item_events WHERE item_id = $1', [id]);
  return { items: items.rows.map((row) => row.name), events: events.rows.map((row) => row.type) };
}

test('writes deferred by a transaction that sends no query go as one statement and commit together', async () => {
  await withTransaction(pool, async (tx) => {
    tx.defer(insertItem([1, 'one']));
    tx.defer(insertEvent([1, 'created']));
  });

  assert.equal(sent.length, 1, 'no BEGIN, no COMMIT: one statement');
  assert.match(sent[0] ?? '', /^WITH write0 AS \(INSERT INTO items .*\) INSERT INTO item_events .*\(\$3, \$4\)$/);
  assert.deepEqual(await stored(1), { items: ['one'], events: ['created'] });
});

test('when one deferred write fails, none of the others is committed', async () => {
  await assert.rejects(
    withTransaction(pool, async (tx) => {
      tx.defer(insertItem([2, 'two']));
      tx.defer(insertEvent([2, null]));
    }),
    /null value in column "type"/,
  );
  await assert.rejects(
    withTransaction(pool, async (tx) => {
      tx.defer(insertItem([1, 'one again']));
      tx.defer(insertEvent([1, 'created again']));
    }),
    /duplicate key/,
  );

  assert.deepEqual(await stored(2), { items: [], events: [] });
  assert.deepEqual(await stored(1), { items: ['one'], events: ['created'] });
});

test('a query is preceded by BEGIN and by the writes deferred before it, which it sees', async () => {
  const name = await withTransaction(pool, async (tx) => {
    tx.defer(insertItem([3, 'three']));
    const { rows } = await tx.query<{ name: string }>(selectItem([3]));
    tx.defer(insertEvent([3, 'created']));
    return rows[0]?.name;
  });

  assert.equal(name, 'three');
  assert.deepEqual(sent, [
    'BEGIN',
    'INSERT INTO items (id, name) VALUES ($1, $2)',
    'SELECT id, name FROM items WHERE id = $1',
    'INSERT INTO item_events (item_id, type) VALUES ($1, $2)',
    'COMMIT',
  ]);
  assert.deepEqual(await stored(3), { items: ['three'], events: ['created'] });
});

test('work that throws rolls back what it queried and sends nothing it deferred', async () => {
  await assert.rejects(
    withTransaction(pool, async (tx) => {
      await tx.query(insertItem([4, 'four']));
      tx.defer(insertEvent([4, 'created']));
      throw new Error('the use case failed');
    }),
    /the use case failed/,
  );
  assert.deepEqual(sent, ['BEGIN', 'INSERT INTO items (id, name) VALUES ($1, $2)', 'ROLLBACK']);

  sent.length = 0;
  await assert.rejects(
    withTransaction(pool, async (tx) => {
      tx.defer(insertItem([5, 'five']));
      throw new Error('the use case failed');
    }),
    /the use case failed/,
  );
  assert.deepEqual(sent, [], 'nothing was sent');
  assert.deepEqual(await stored(4), { items: [], events: [] });
  assert.deepEqual(await stored(5), { items: [], events: [] });
});

test('a prepared statement still runs after a migration changed its table, and on a new connection', async () => {
  const { rows: before } = await pool.query(selectItem([1]));
  assert.deepEqual(before, [{ id: 1, name: 'one' }]);

  await pool.query('ALTER TABLE items ADD COLUMN created_at timestamptz NOT NULL DEFAULT now()');
  await pool.query('CREATE INDEX items_name_idx ON items (name)');
  const { rows: afterMigration } = await pool.query(selectItem([1]));
  assert.deepEqual(afterMigration, [{ id: 1, name: 'one' }]);

  // The connection that prepared it ends (a database restart, a failover): the pool replaces it.
  const admin = createPool({ dsn: database.url, maxConnections: 1, applicationName: 'transaction-test-admin' });
  try {
    const { rows } = await admin.query<{ ended: boolean }>(
      "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = 'transaction-test'",
    );
    assert.deepEqual(rows, [{ ended: true }]);
  } finally {
    await admin.end();
  }
  while (pool.totalCount > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  const { rows: reconnected } = await pool.query(selectItem([1]));
  assert.deepEqual(reconnected, [{ id: 1, name: 'one' }]);
  await withTransaction(pool, async (tx) => {
    tx.defer(insertItem([6, 'six']));
    tx.defer(insertEvent([6, 'created']));
  });
  assert.deepEqual(await stored(6), { items: ['six'], events: ['created'] });
});
