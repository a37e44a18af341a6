import type { Queryable } from '@notes/postgres';
import type { TraceHeaders } from '@notes/telemetry';
import type { ActiveSagaState, Saga, SagaLogEntry, SagaLogEvent, SagaState } from './saga.ts';

interface SagaRow {
  id: string;
  type: string;
  state: SagaState;
  step: string | null;
  user_id: string | null;
  correlation_id: string;
  payload: Record<string, unknown>;
  attempts: number;
  deadline_at: Date | null;
  current_command_id: string | null;
  failure_reason: string | null;
  failed_in: ActiveSagaState | null;
  created_at: Date;
  updated_at: Date;
}

const sagaColumns = `id, type, state, step, user_id, correlation_id, payload, attempts, deadline_at,
  current_command_id, failure_reason, failed_in, created_at, updated_at`;

function toSaga(row: SagaRow): Saga {
  return {
    id: row.id,
    type: row.type,
    state: row.state,
    step: row.step,
    userId: row.user_id,
    correlationId: row.correlation_id,
    payload: row.payload,
    attempts: row.attempts,
    deadlineAt: row.deadline_at,
    currentCommandId: row.current_command_id,
    failureReason: row.failure_reason,
    failedIn: row.failed_in,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface SagaFilter {
  state?: SagaState | undefined;
  type?: string | undefined;
  limit: number;
}

/** The sagas and saga_steps tables through db: the pool for reads, a transaction's client for changes. */
export function createSagaStore(db: Queryable) {
  return {
    /**
     * False when a unique index of the table (a service's rule) already holds a saga like it.
     * traceHeaders: the trace context of the transition, when traced.
     */
    async insert(saga: Saga, traceHeaders?: TraceHeaders): Promise<boolean> {
      const { rowCount } = await db.query(
        `INSERT INTO sagas (${sagaColumns}, trace_headers)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT DO NOTHING`,
        [
          saga.id,
          saga.type,
          saga.state,
          saga.step,
          saga.userId,
          saga.correlationId,
          JSON.stringify(saga.payload),
          saga.attempts,
          saga.deadlineAt,
          saga.currentCommandId,
          saga.failureReason,
          saga.failedIn,
          saga.createdAt,
          saga.updatedAt,
          jsonOrNull(traceHeaders),
        ],
      );
      return rowCount === 1;
    },

    /** Writes every field that transitions change (the trace context only when the transition was traced). */
    async update(saga: Saga, traceHeaders?: TraceHeaders): Promise<void> {
      await db.query(
        `UPDATE sagas SET state = $2, step = $3, attempts = $4, deadline_at = $5, current_command_id = $6,
           failure_reason = $7, failed_in = $8, updated_at = $9, trace_headers = COALESCE($10, trace_headers)
         WHERE id = $1`,
        [
          saga.id,
          saga.state,
          saga.step,
          saga.attempts,
          saga.deadlineAt,
          saga.currentCommandId,
          saga.failureReason,
          saga.failedIn,
          saga.updatedAt,
          jsonOrNull(traceHeaders),
        ],
      );
    },

    /** The trace context of the saga's latest traced transition. */
    async traceHeaders(sagaId: string): Promise<TraceHeaders | undefined> {
      const { rows } = await db.query<{ trace_headers: TraceHeaders | null }>(
        'SELECT trace_headers FROM sagas WHERE id = $1',
        [sagaId],
      );
      return rows[0]?.trace_headers ?? undefined;
    },

    async find(sagaId: string): Promise<Saga | undefined> {
      const { rows } = await db.query<SagaRow>(`SELECT ${sagaColumns} FROM sagas WHERE id = $1`, [sagaId]);
      return rows[0] === undefined ? undefined : toSaga(rows[0]);
    },

    /** Reads the saga and locks it until the transaction ends: its transitions happen one at a time. */
    async lock(sagaId: string): Promise<Saga | undefined> {
      const { rows } = await db.query<SagaRow>(`SELECT ${sagaColumns} FROM sagas WHERE id = $1 FOR UPDATE`, [sagaId]);
      return rows[0] === undefined ? undefined : toSaga(rows[0]);
    },

    /** The newest saga of a type about a user (the one a new saga conflicted with). */
    async findNewestOf(type: string, userId: string | null): Promise<Saga | undefined> {
      const { rows } = await db.query<SagaRow>(
        `SELECT ${sagaColumns} FROM sagas WHERE type = $1 AND user_id IS NOT DISTINCT FROM $2
         ORDER BY created_at DESC, id DESC LIMIT 1`,
        [type, userId],
      );
      return rows[0] === undefined ? undefined : toSaga(rows[0]);
    },

    /**
     * The earliest-due unfinished saga of these types, locked; sagas locked by another scanner (or
     * a reply being applied) are skipped, so two scanners never handle the same deadline. A saga
     * a concurrent transaction just moved on is re-checked against `now` after its lock and skipped.
     */
    async claimDue(now: Date, types: readonly string[], skip: readonly string[]): Promise<Saga | undefined> {
      const { rows } = await db.query<SagaRow>(
        `SELECT ${sagaColumns} FROM sagas
         WHERE state IN ('RUNNING', 'COMPENSATING') AND deadline_at <= $1
           AND type = ANY ($2::text[]) AND id <> ALL ($3::uuid[])
         ORDER BY deadline_at LIMIT 1
         FOR UPDATE SKIP LOCKED`,
        [now, types, skip],
      );
      return rows[0] === undefined ? undefined : toSaga(rows[0]);
    },

    async list(filter: SagaFilter): Promise<Saga[]> {
      const { rows } = await db.query<SagaRow>(
        `SELECT ${sagaColumns} FROM sagas
         WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR type = $2)
         ORDER BY created_at DESC, id DESC LIMIT $3`,
        [filter.state ?? null, filter.type ?? null, filter.limit],
      );
      return rows.map(toSaga);
    },

    async appendLog(sagaId: string, entries: readonly SagaLogEntry[]): Promise<void> {
      if (entries.length === 0) return;
      // One statement; identity values follow the order of the arrays, so the history keeps it.
      await db.query(
        `INSERT INTO saga_steps (saga_id, step, event, detail, at)
         SELECT $1, step, event, detail, at
         FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[]) WITH ORDINALITY
           AS entry(step, event, detail, at, position)
         ORDER BY position`,
        [
          sagaId,
          entries.map((entry) => entry.step),
          entries.map((entry) => entry.event),
          entries.map((entry) => entry.detail),
          entries.map((entry) => entry.at),
        ],
      );
    },

    async history(sagaId: string): Promise<SagaLogEntry[]> {
      const { rows } = await db.query<{ step: string; event: SagaLogEvent; detail: string; at: Date }>(
        'SELECT step, event, detail, at FROM saga_steps WHERE saga_id = $1 ORDER BY seq',
        [sagaId],
      );
      return rows;
    },
  };
}

export type SagaStore = ReturnType<typeof createSagaStore>;

function jsonOrNull(value: TraceHeaders | undefined): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
