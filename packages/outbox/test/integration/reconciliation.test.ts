import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Event } from '@notes/kafka';
import { handleOnce, processedEventsMigrations } from '@notes/kafka';
import { createPool, migrate, type Queryable } from '@notes/postgres';
import { Registry } from 'prom-client';
import {
  createDeliveryReconciliationMetrics,
  type DeliveryReconciliationOptions,
  findUnprocessedEvents,
} from '../../src/index.ts';
import { commitEvents, noteUpdated, outboxSuite, topic, uniquePrefix } from './helpers.ts';

const suite = outboxSuite('reconciliation');

// processed_events beside the outbox: the groups' records in the same database (once, on first use).
let migrated: Promise<unknown> | undefined;
const withProcessedEvents = () =>
  (migrated ??= migrate({ pool: suite.db.pool, direction: 'up', ...processedEventsMigrations }));

const ids = (events: readonly Event[]) => events.map((event) => event.eventId);

/** Events published 10 minutes ago, one published just now, one not published yet. */
async function seed(prefix: string) {
  await withProcessedEvents();
  const old = Array.from({ length: 3 }, (_, i) => noteUpdated(`${prefix}-old-${i}`, 1));
  const recent = [noteUpdated(`${prefix}-recent`, 1)];
  const unsent = [noteUpdated(`${prefix}-unsent`, 1)];
  for (const events of [old, recent, unsent]) await commitEvents(suite.db.pool, events);
  await suite.db.pool.query(`UPDATE outbox SET sent_at = now() - interval '10 minutes' WHERE id = ANY($1::uuid[])`, [
    ids(old),
  ]);
  await suite.db.pool.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::uuid[])', [ids(recent)]);
  return { old, recent, unsent };
}

function reconciliation(prefix: string): DeliveryReconciliationOptions {
  return {
    publishedBeforeMs: 5 * 60_000,
    sources: [{ name: 'notes-service', db: suite.db.pool }],
    groups: [
      { group: `${prefix}-reader`, db: suite.db.pool, processes: { [topic]: 'every' } },
      { group: `${prefix}-other-types`, db: suite.db.pool, processes: { [topic]: ['notes.SomethingElse'] } },
    ],
  };
}

test('a group is named every event published before the window that it has not recorded, and only those', async () => {
  const prefix = uniquePrefix('reconcile');
  const { old } = await seed(prefix);
  const [processed, ...skipped] = old as [Event, ...Event[]];
  await handleOnce(suite.db.pool, `${prefix}-reader`, processed.eventId);
  const unprocessed = await findUnprocessedEvents(reconciliation(prefix));
  const named = unprocessed.get(`${prefix}-reader`) ?? [];
  // Events other tests of this file published are named too: keep this test's own.
  const own = named.filter((event) => event.aggregateId.startsWith(prefix));
  assert.deepEqual(own.map((event) => event.eventId).sort(), ids(skipped).sort());
  assert.ok(own.every((event) => event.topic === topic && event.source === 'notes-service'));
  assert.deepEqual(unprocessed.get(`${prefix}-other-types`), []);

  for (const event of skipped) await handleOnce(suite.db.pool, `${prefix}-reader`, event.eventId);
  const after = await findUnprocessedEvents(reconciliation(prefix));
  assert.deepEqual(
    (after.get(`${prefix}-reader`) ?? []).filter((event) => event.aggregateId.startsWith(prefix)),
    [],
  );
});

test('delivery_unprocessed_events counts them per group at each refresh', async () => {
  const prefix = uniquePrefix('reconcile-metric');
  const { old } = await seed(prefix);
  const registry = new Registry();
  // This test's own groups: every event before the window is theirs to process, the earlier test's too.
  const options = reconciliation(prefix);
  const expected = (await findUnprocessedEvents(options)).get(`${prefix}-reader`)?.length ?? 0;
  assert.ok(expected >= old.length);
  await createDeliveryReconciliationMetrics(registry, options).refresh();
  const text = await registry.metrics();
  assert.match(text, new RegExp(`delivery_unprocessed_events\\{group="${prefix}-reader"\\} ${expected}\\n`));
  assert.match(text, new RegExp(`delivery_unprocessed_events\\{group="${prefix}-other-types"\\} 0\\n`));
});

test('a database away: the refresh rejects, the counts stay, delivery_reconciliation_failing is 1 until it answers again', async () => {
  const prefix = uniquePrefix('reconcile-away');
  await seed(prefix);
  // Nothing listens on port 1: connecting is refused at once, as for a database server that is down.
  const away = createPool({ dsn: 'postgres://nobody@127.0.0.1:1/none', maxConnections: 1, applicationName: 'away' });
  let current: Queryable = suite.db.pool;
  const database: Queryable = { query: ((...args: [string]) => current.query(...args)) as Queryable['query'] };
  const options = reconciliation(prefix);
  const registry = new Registry();
  const metrics = createDeliveryReconciliationMetrics(registry, {
    ...options,
    sources: [{ name: 'notes-service', db: database }],
  });
  const reader = new RegExp(`delivery_unprocessed_events\\{group="${prefix}-reader"\\} ([1-9]\\d*)\\n`);
  try {
    await metrics.refresh();
    const before = await registry.metrics();
    const counted = reader.exec(before)?.[1];
    assert.ok(counted, before);
    assert.match(before, /^delivery_reconciliation_failing 0$/m);

    current = away;
    await assert.rejects(metrics.refresh());
    const during = await registry.metrics();
    assert.equal(reader.exec(during)?.[1], counted, 'the last counts are kept');
    assert.match(during, /^delivery_reconciliation_failing 1$/m);

    current = suite.db.pool;
    await metrics.refresh();
    assert.match(await registry.metrics(), /^delivery_reconciliation_failing 0$/m);
  } finally {
    await away.end();
  }
});
