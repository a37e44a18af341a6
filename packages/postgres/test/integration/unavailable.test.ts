// What node-postgres throws when the database does not serve is recognised as unavailable (the
// services answer it UNAVAILABLE, a 503 at the edge), and within the pool's connect timeout.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@notes/testkit';
import { createPool, isDatabaseUnavailable, withTransaction } from '../../src/index.ts';

let database: TestDatabase;

before(async () => {
  database = await createTestDatabase('postgres_unavailable');
});

after(async () => {
  await database?.drop();
});

/** The error a query through a fresh pool on dsn fails with, and how long it took. */
async function failure(dsn: string, options: { connectTimeoutMs?: number; hold?: boolean } = {}) {
  const pool = createPool({ dsn, maxConnections: 1, applicationName: 'unavailable-test', ...options });
  const held = options.hold ? await pool.connect() : undefined;
  const started = Date.now();
  try {
    await pool.query('SELECT 1');
    return { error: undefined, ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  } finally {
    held?.release();
    await pool.end();
  }
}

test('nothing listening on the port: unavailable', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  const { error } = await failure(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  assert.equal(isDatabaseUnavailable(error), true, String(error));
});

test('a server that accepts and never answers (a paused PostgreSQL): unavailable within the connect timeout', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const { port } = silent.address() as { port: number };
  try {
    const { error, ms } = await failure(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`, {
      connectTimeoutMs: 500,
    });
    assert.equal(isDatabaseUnavailable(error), true, String(error));
    assert.ok(ms < 2_000, `${ms} ms`);
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});

test('every connection of the pool busy past the connect timeout: unavailable', async () => {
  const { error } = await failure(database.url, { connectTimeoutMs: 300, hold: true });
  assert.equal(isDatabaseUnavailable(error), true, String(error));
});

test('a wrong statement is not', async () => {
  const pool = createPool({ dsn: database.url, maxConnections: 1, applicationName: 'unavailable-test' });
  try {
    const error = await pool.query('SELECT * FROM no_such_table').catch((caught: unknown) => caught);
    assert.equal(isDatabaseUnavailable(error), false);
  } finally {
    await pool.end();
  }
});

test("a transaction's connection terminated while it is held: the process goes on, the transaction fails as unavailable", async () => {
  const pool = createPool({ dsn: database.url, maxConnections: 2, applicationName: 'unavailable-test' });
  const admin = createPool({ dsn: database.url, maxConnections: 1, applicationName: 'unavailable-test-admin' });
  try {
    const error = await withTransaction(pool, async (tx) => {
      const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      // The FATAL message arrives while the client is checked out and idle: an 'error' event.
      await new Promise((resolve) => setTimeout(resolve, 300));
    }).catch((caught: unknown) => caught);
    assert.equal(isDatabaseUnavailable(error), true, String(error));
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(rows[0]?.one, 1);
  } finally {
    await Promise.all([pool.end(), admin.end()]);
  }
});
