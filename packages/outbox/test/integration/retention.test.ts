import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Event } from '@notes/kafka';
import { purgeSentOutboxRows } from '../../src/index.ts';
import { commitEvents, noteUpdated, outboxSuite, sleep, uniquePrefix } from './helpers.ts';

const suite = outboxSuite('retention');

/** Rows in four states: sent 2 h ago, sent 10 min ago, unsent (written 2 h ago), unsent (now). */
async function seed(prefix: string): Promise<Record<'oldSent' | 'recentSent' | 'oldUnsent' | 'unsent', Event[]>> {
  const make = (name: string, count: number) =>
    Array.from({ length: count }, (_, i) => noteUpdated(`${prefix}${name}-${i}`, 1));
  const rows = {
    oldSent: make('old-sent', 25),
    recentSent: make('recent-sent', 5),
    oldUnsent: make('old-unsent', 5),
    unsent: make('unsent', 5),
  };
  for (const events of Object.values(rows)) await commitEvents(suite.db.pool, events);
  const ids = (events: Event[]) => events.map((event) => event.eventId);
  await suite.db.pool.query(`UPDATE outbox SET sent_at = now() - interval '2 hours' WHERE id = ANY($1::uuid[])`, [
    ids(rows.oldSent),
  ]);
  await suite.db.pool.query(`UPDATE outbox SET sent_at = now() - interval '10 minutes' WHERE id = ANY($1::uuid[])`, [
    ids(rows.recentSent),
  ]);
  await suite.db.pool.query(`UPDATE outbox SET occurred_at = now() - interval '2 hours' WHERE id = ANY($1::uuid[])`, [
    ids(rows.oldUnsent),
  ]);
  return rows;
}

async function remaining(prefix: string): Promise<Set<string>> {
  const { rows } = await suite.db.pool.query<{ id: string }>('SELECT id FROM outbox WHERE aggregate_id LIKE $1', [
    `${prefix}%`,
  ]);
  return new Set(rows.map((row) => row.id));
}

test('purging deletes only sent rows older than the retention period, in chunks', async () => {
  const prefix = uniquePrefix('purge');
  const rows = await seed(prefix);
  // Chunks of 7: the 25 old sent rows take four statements.
  const deleted = await purgeSentOutboxRows(suite.db.pool, { olderThanMs: 3_600_000, chunkSize: 7 });
  assert.equal(deleted, 25);
  const left = await remaining(prefix);
  for (const event of rows.oldSent) assert.ok(!left.has(event.eventId));
  for (const event of [...rows.recentSent, ...rows.oldUnsent, ...rows.unsent]) assert.ok(left.has(event.eventId));
});

test('the relay purges periodically and never deletes an unsent row', { timeout: 30_000 }, async () => {
  const prefix = uniquePrefix('relay-purge');
  const published: string[] = [];
  // No Kafka needed: a producer that takes everything.
  const relay = suite.relay({
    producer: { publish: async (_topic, events) => void published.push(...events.map((event) => event.eventId)) },
    pollIntervalMs: 50,
    retention: { sentRowsMs: 3_600_000, purgeEveryMs: 100, chunkSize: 10 },
  });
  // Stop the unsent rows from being published before the check: seed while no relay runs.
  const rows = await seed(prefix);
  await relay.start();
  try {
    for (let i = 0; i < 200; i += 1) {
      const left = await remaining(prefix);
      const purged = rows.oldSent.every((event) => !left.has(event.eventId));
      if (purged && [...rows.oldUnsent, ...rows.unsent].every((event) => published.includes(event.eventId))) break;
      await sleep(50);
    }
    const left = await remaining(prefix);
    for (const event of rows.oldSent) assert.ok(!left.has(event.eventId), 'old sent rows are purged');
    for (const event of [...rows.recentSent, ...rows.oldUnsent, ...rows.unsent]) assert.ok(left.has(event.eventId));
    // The unsent ones were published (and are now recent sent rows, kept).
    for (const event of [...rows.oldUnsent, ...rows.unsent]) assert.ok(published.includes(event.eventId));
  } finally {
    await relay.stop();
  }
});
