// The purge of finished sagas against a real PostgreSQL.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createPool, migrate, type Pool } from '@notes/postgres';
import { createTestDatabase, type TestDatabase } from '@notes/testkit';
import { purgeFinishedSagas, type SagaState, sagaMigrations } from '../../src/index.ts';

let database: TestDatabase;
let pool: Pool;
before(async () => {
  database = await createTestDatabase('saga_retention');
  pool = createPool({ dsn: database.url, maxConnections: 2, applicationName: 'saga-retention-test' });
  await migrate({ pool, direction: 'up', ...sagaMigrations });
});
after(async () => {
  await pool?.end();
  await database?.drop();
});

const now = new Date('2026-12-05T00:00:00.000Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

async function saga(state: SagaState, updatedAt: Date): Promise<string> {
  const id = randomUUID();
  const active = state === 'RUNNING' || state === 'COMPENSATING';
  await pool.query(
    `INSERT INTO sagas (id, type, state, correlation_id, deadline_at, failed_in, failure_reason, created_at, updated_at)
     VALUES ($1, 'TestSaga', $2, $7, $3, $4, $5, $6, $6)`,
    [
      id,
      state,
      active ? now : null,
      state === 'FAILED' ? 'RUNNING' : null,
      state === 'FAILED' ? 'refused' : null,
      updatedAt,
      `correlation-${id}`,
    ],
  );
  await pool.query(`INSERT INTO saga_steps (saga_id, step, event, at) VALUES ($1, 'only', 'started', $2)`, [
    id,
    updatedAt,
  ]);
  return id;
}

test('sagas that ended well before the cut-off go with their history; recent, failed and running ones stay', async () => {
  const gone = [
    await saga('COMPLETED', daysAgo(40)),
    await saga('COMPENSATED', daysAgo(31)),
    await saga('COMPLETED', daysAgo(35)),
  ];
  const kept = [
    await saga('COMPLETED', daysAgo(5)),
    await saga('FAILED', daysAgo(90)),
    await saga('RUNNING', daysAgo(90)),
    await saga('COMPENSATING', daysAgo(90)),
  ];
  // Chunks of two: three sagas take two statements.
  assert.equal(await purgeFinishedSagas(pool, daysAgo(30), 2), 3);
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM sagas');
  assert.deepEqual(rows.map((row) => row.id).sort(), [...kept].sort());
  const steps = await pool.query('SELECT 1 FROM saga_steps WHERE saga_id = ANY ($1)', [gone]);
  assert.equal(steps.rowCount, 0, 'their history went with them');
});
