// The saga metrics against a real PostgreSQL: gauges counted in the sagas table at each scrape,
// and the counters and durations the engine's state changes feed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { topics } from '@notes/contracts/names';
import { type ConsumedEvent, processedEventsMigrations } from '@notes/kafka';
import { createLogger } from '@notes/logger';
import { outboxMigrations } from '@notes/outbox';
import { createPool, migrate, type Pool } from '@notes/postgres';
import { createTestDatabase, type TestDatabase } from '@notes/testkit';
import { Registry } from 'prom-client';
import {
  createSagaEngine,
  createSagaMetrics,
  type SagaDefinition,
  sagaMigrations,
  stepReplyEvent,
} from '../../src/index.ts';

const oneStep: SagaDefinition = {
  type: 'OneStepSaga',
  steps: [{ name: 'only', command: () => ({ type: 'saga.Only', payload: new Uint8Array() }) }],
};

let database: TestDatabase;
let pool: Pool;
after(async () => {
  await pool?.end();
  await database?.drop();
});

async function seriesValue(registry: Registry, family: string, labels: Record<string, string>, series = family) {
  const metric = await registry.getSingleMetric(family)?.get();
  const sample = metric?.values.find(
    (value) =>
      ((value as { metricName?: string }).metricName ?? family) === series &&
      Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
  );
  return sample?.value ?? 0;
}

test('sagas by state and the most overdue one come from the store; the engine feeds transitions and durations', async () => {
  database = await createTestDatabase('saga_metrics');
  pool = createPool({ dsn: database.url, maxConnections: 4, applicationName: 'saga-metrics-test' });
  for (const set of [sagaMigrations, outboxMigrations, processedEventsMigrations]) {
    await migrate({ pool, direction: 'up', ...set });
  }
  const registry = new Registry();
  // The engine's clock is a day behind the database's: the sagas it starts are already past their deadline.
  const yesterday = new Date(Date.now() - 24 * 3_600_000);
  const engine = createSagaEngine({
    pool,
    definitions: [oneStep],
    settings: { stepTimeoutMs: 1_000, maxAttempts: 3 },
    afterCommit: () => undefined,
    onStateChange: createSagaMetrics(registry, pool),
    logger: createLogger({ service: 'saga-metrics-test', level: 'silent' }),
    clock: { now: () => yesterday },
  });
  const type = oneStep.type;
  const [{ saga: done }] = await Promise.all([engine.start({ type }), engine.start({ type })]);
  assert.equal(await seriesValue(registry, 'sagas_in_state', { type, state: 'RUNNING' }), 2);
  assert.equal(await seriesValue(registry, 'saga_transitions_total', { type, state: 'RUNNING' }), 2);
  assert.ok((await seriesValue(registry, 'saga_overdue_seconds', { type })) > 23 * 3_600);

  // The participant's reply completes one of them.
  const commandId = (await engine.get(done.id)).saga.currentCommandId ?? '';
  const reply = stepReplyEvent(
    { eventId: commandId, aggregateId: done.id, correlationId: done.id, type: 'saga.Only' },
    { succeeded: true },
    { eventId: randomUUID(), occurredAt: new Date() },
  );
  const consumed: ConsumedEvent = {
    ...reply,
    topic: topics.sagaReplies,
    partition: 0,
    offset: 0n,
    key: done.id,
    headers: new Map(),
    attempt: 1,
  };
  await engine.consumerHandler({ group: 'saga-metrics-test', startFor: () => undefined })(consumed);

  assert.equal(await seriesValue(registry, 'sagas_in_state', { type, state: 'RUNNING' }), 1);
  assert.equal(await seriesValue(registry, 'sagas_in_state', { type, state: 'COMPLETED' }), 1);
  assert.equal(await seriesValue(registry, 'saga_transitions_total', { type, state: 'COMPLETED' }), 1);
  const duration = 'saga_duration_seconds';
  assert.equal(await seriesValue(registry, duration, { type, outcome: 'COMPLETED' }, `${duration}_count`), 1);
  assert.equal(await seriesValue(registry, 'sagas_failed_total', { type }), 0);
});
