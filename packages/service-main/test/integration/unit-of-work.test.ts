// The unit of work on the test PostgreSQL: the outbox relay is woken after a COMMIT, never for a
// rollback, and, when asked, only after a commit that wrote to the outbox.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { processedEventsMigrations } from '@notes/kafka';
import { appendToOutbox, outboxMigrations } from '@notes/outbox';
import { createPool, type Pool, type Transaction } from '@notes/postgres';
import { createTestDatabase, type TestDatabase } from '@notes/testkit';
import { createUnitOfWork, migrationSets, type UnitOfWorkOptions } from '../../src/index.ts';

let database: TestDatabase;
let pool: Pool;

before(async () => {
  database = await createTestDatabase('service_main_unit_of_work');
  pool = createPool({ dsn: database.url, maxConnections: 2, applicationName: 'service-main-test' });
  await migrationSets([outboxMigrations, processedEventsMigrations])(pool, 'up');
});

after(async () => {
  await pool?.end();
  await database?.drop();
});

/** A unit of work whose scope reads and records events, and the count of its wake-ups. */
function unitOfWork(wakeRelay: UnitOfWorkOptions<unknown>['wakeRelay']) {
  const woken = { count: 0 };
  const scopeOf = (tx: Transaction) => ({
    read: () => tx.query('SELECT 1'),
    record: () =>
      appendToOutbox(tx, 'test.events', [
        {
          eventId: randomUUID(),
          aggregateId: randomUUID(),
          type: 'test.Happened',
          occurredAt: new Date(),
          payload: new Uint8Array(),
        },
      ]),
  });
  return {
    woken,
    run: createUnitOfWork({ pool, scopeOf, outbox: { afterCommit: () => void woken.count++ }, wakeRelay }).run,
  };
}

const outboxRows = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox')).rows[0]?.n;

test('after every commit: woken once per commit, whatever it wrote; a rollback wakes nobody and leaves no row', async () => {
  const { woken, run } = unitOfWork(undefined);
  assert.equal(await run(async ({ read }) => (await read()).rowCount), 1, 'the work’s result');
  assert.equal(woken.count, 1);
  const before = await outboxRows();
  await assert.rejects(
    run(async ({ record }) => {
      record();
      throw new Error('refused');
    }),
    /refused/,
  );
  assert.equal(woken.count, 1);
  assert.equal(await outboxRows(), before);
});

test('after deferred writes: only a commit that wrote to the outbox wakes the relay', async () => {
  const { woken, run } = unitOfWork('after-deferred-writes');
  await run(async ({ read }) => read());
  assert.equal(woken.count, 0, 'a read-only transaction wakes nobody');
  const before = await outboxRows();
  await run(async ({ read, record }) => {
    await read();
    record();
  });
  assert.equal(woken.count, 1);
  assert.equal(await outboxRows(), (before ?? 0) + 1);
  await run(async ({ record }) => record());
  assert.equal(woken.count, 2, 'deferred writes alone: one statement, then the wake-up');
  await assert.rejects(
    run(async ({ record }) => {
      record();
      throw new Error('refused');
    }),
  );
  assert.equal(woken.count, 2);
});
