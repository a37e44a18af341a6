import type { Queryable } from '@notes/postgres';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SagaStateChange } from './engine-api.ts';

const finalStates = new Set(['COMPLETED', 'COMPENSATED', 'FAILED']);

const countByStateSql = 'SELECT type, state, count(*)::int AS sagas FROM sagas GROUP BY type, state';

// The timeout scanner's index (sagas_due_idx) holds only the unfinished sagas.
const overdueSql = `
  SELECT type, extract(epoch FROM now() - min(deadline_at))::float8 AS seconds
  FROM sagas WHERE state IN ('RUNNING', 'COMPENSATING') AND deadline_at < now()
  GROUP BY type`;

/**
 * The saga engine's series in `registry`, and the onStateChange hook that feeds them:
 * saga_transitions_total and sagas_failed_total (counters), saga_duration_seconds (from start to a
 * final state, by type and outcome), and, read from `db`'s sagas table at each scrape, sagas_in_state
 * (by type and state) and saga_overdue_seconds (how far the most overdue unfinished saga of a type is
 * past its step deadline: the timeout scanner should act within moments).
 */
export function createSagaMetrics(registry: Registry, db: Queryable): (change: SagaStateChange) => void {
  const transitions = new Counter({
    name: 'saga_transitions_total',
    help: 'Sagas entering a state (RUNNING when started or retried), by saga type and state.',
    labelNames: ['type', 'state'],
    registers: [registry],
  });
  const failed = new Counter({
    name: 'sagas_failed_total',
    help: 'Sagas that became FAILED and wait for an operator (npm run saga -- list --state FAILED).',
    labelNames: ['type'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'saga_duration_seconds',
    help: 'From the start of a saga to its final state (COMPLETED, COMPENSATED or FAILED), by type and outcome.',
    labelNames: ['type', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  // When the database does not answer, the gauges keep their last values (the scrape must not fail).
  new Gauge({
    name: 'sagas_in_state',
    help: 'Sagas in the store, by type and state.',
    labelNames: ['type', 'state'],
    registers: [registry],
    async collect() {
      const answer = await db
        .query<{ type: string; state: string; sagas: number }>(countByStateSql)
        .catch(() => undefined);
      if (answer === undefined) return;
      this.reset();
      for (const row of answer.rows) this.set({ type: row.type, state: row.state }, row.sagas);
    },
  });
  // The types once overdue are reported (as 0) after they caught up, so that a series ends at 0.
  const onceOverdue = new Set<string>();
  new Gauge({
    name: 'saga_overdue_seconds',
    help: 'How long the most overdue RUNNING or COMPENSATING saga of a type is past its step deadline (0: none).',
    labelNames: ['type'],
    registers: [registry],
    async collect() {
      const answer = await db.query<{ type: string; seconds: number }>(overdueSql).catch(() => undefined);
      if (answer === undefined) return;
      for (const type of onceOverdue) this.set({ type }, 0);
      for (const row of answer.rows) {
        onceOverdue.add(row.type);
        this.set({ type: row.type }, row.seconds);
      }
    },
  });
  return ({ saga }) => {
    transitions.inc({ type: saga.type, state: saga.state });
    if (saga.state === 'FAILED') failed.inc({ type: saga.type });
    if (finalStates.has(saga.state)) {
      duration.observe(
        { type: saga.type, outcome: saga.state },
        Math.max(0, (saga.updatedAt.getTime() - saga.createdAt.getTime()) / 1000),
      );
    }
  };
}
