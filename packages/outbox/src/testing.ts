// For the tests of the services that write to the outbox: their rows read back as committed.
import type { Queryable } from '@notes/postgres';
import type { OutboxRow } from './publish.ts';

/** An outbox row as a test reads it back: what the transaction wrote, and whether a relay sent it. */
export interface StoredOutboxRow extends Omit<OutboxRow, 'trace_headers' | 'lane'> {
  sent_at: Date | null;
}

/** Which rows: each given field must match (none given: every row). */
export interface OutboxRowFilter {
  aggregateId?: string;
  topic?: string;
  type?: string;
}

/** The outbox rows that match filter, in the order the relay publishes them (seq). */
export async function readOutboxRows(db: Queryable, filter: OutboxRowFilter): Promise<StoredOutboxRow[]> {
  const columns = { aggregate_id: filter.aggregateId, topic: filter.topic, type: filter.type };
  const values: string[] = [];
  const conditions: string[] = [];
  for (const [column, value] of Object.entries(columns)) {
    if (value === undefined) continue;
    values.push(value);
    conditions.push(`${column} = $${values.length}`);
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const { rows } = await db.query<StoredOutboxRow>(
    `SELECT id, aggregate_id, topic, type, payload, correlation_id, occurred_at, sent_at FROM outbox ${where} ORDER BY seq`,
    values,
  );
  return rows;
}
