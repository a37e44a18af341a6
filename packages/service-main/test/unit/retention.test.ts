import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@notes/logger';
import { Registry } from 'prom-client';
import { startRetention } from '../../src/retention.ts';

const logger = createLogger({ service: 'retention-test', level: 'silent' });

async function sample(registry: Registry, family: string, table: string): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(family)?.get();
  return metric?.values.find((value) => value.labels.table === table)?.value;
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 5_000; !(await check()); await sleep(5)) {
    if (Date.now() > deadline) throw new Error('not within 5 s');
  }
}

test('each table is purged on its period and its rows counted; nothing runs after stop', async () => {
  const registry = new Registry();
  const runs = { outbox: 0, sagas: 0 };
  /** A purge of table that counts its runs and deletes `rows` each time. */
  const counted = (table: keyof typeof runs, rows: number) => async () => {
    runs[table] += 1;
    return rows;
  };
  const retention = startRetention(
    [
      { table: 'outbox', everyMs: 10, purge: counted('outbox', 3) },
      { table: 'sagas', everyMs: 60_000, purge: counted('sagas', 1) },
    ],
    { logger, registry },
  );
  assert.equal(await sample(registry, 'retention_purged_rows_total', 'sagas'), 0, 'a series before the first purge');
  await until(async () => runs.outbox >= 3);
  await retention.stop();
  const stoppedAt = runs.outbox;
  assert.equal(await sample(registry, 'retention_purged_rows_total', 'outbox'), 3 * stoppedAt);
  assert.equal(runs.sagas, 0, 'not before its period');
  await sleep(50);
  assert.equal(runs.outbox, stoppedAt, 'no purge after stop');
});

test('a failing purge flags its table until one succeeds, and is tried again', async () => {
  const registry = new Registry();
  const outcomes = [new Error('connection refused'), new Error('connection refused'), 5];
  let runs = 0;
  const retention = startRetention(
    [
      {
        table: 'idempotency_keys',
        everyMs: 10,
        purge: async () => {
          const outcome = outcomes[Math.min(runs++, outcomes.length - 1)];
          if (outcome instanceof Error) throw outcome;
          return outcome ?? 0;
        },
      },
    ],
    { logger, registry },
  );
  try {
    await until(async () => runs >= 1 && (await sample(registry, 'retention_purge_failing', 'idempotency_keys')) === 1);
    await until(async () => (await sample(registry, 'retention_purge_failing', 'idempotency_keys')) === 0);
    assert.ok(runs >= 3);
    assert.ok(((await sample(registry, 'retention_purged_rows_total', 'idempotency_keys')) ?? 0) >= 5);
  } finally {
    await retention.stop();
  }
});
