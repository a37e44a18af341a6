import type { Event } from '@notes/kafka';
import type { Queryable } from '@notes/postgres';
import { type TraceHeaders, traceHeadersOf } from '@notes/telemetry';

const columnsPerRow = 8;
// PostgreSQL takes at most 65,535 parameters per statement.
const rowsPerStatement = 4_000;

/**
 * Writes events to the outbox inside the caller's business transaction (tx is the transaction's
 * client), so they are published if and only if that transaction commits. Call it after the
 * business rows are written (their row locks taken), so that one aggregate's events are numbered
 * in the order their transactions commit. After the commit, call the notifier's afterCommit().
 * An event without traceHeaders of its own gets the active trace context (none when tracing is off).
 */
export async function appendToOutbox(tx: Queryable, topic: string, events: readonly Event[]): Promise<void> {
  // The trace of the transaction writing the rows, so the relay's publish (and every consumer) joins it.
  const activeTraceHeaders = traceHeadersOf();
  for (let start = 0; start < events.length; start += rowsPerStatement) {
    const chunk = events.slice(start, start + rowsPerStatement);
    const values: unknown[] = [];
    const tuples = chunk.map((event, index) => {
      values.push(
        event.eventId,
        event.aggregateId,
        topic,
        event.type,
        Buffer.from(event.payload.buffer, event.payload.byteOffset, event.payload.byteLength),
        event.correlationId || null,
        storedTraceHeaders(event.traceHeaders ?? activeTraceHeaders),
        event.occurredAt,
      );
      const first = index * columnsPerRow;
      return `($${first + 1}, $${first + 2}, $${first + 3}, $${first + 4}, $${first + 5}, $${first + 6}, $${first + 7}, $${first + 8})`;
    });
    await tx.query(
      `INSERT INTO outbox (id, aggregate_id, topic, type, payload, correlation_id, trace_headers, occurred_at)
       VALUES ${tuples.join(', ')}`,
      values,
    );
  }
}

function storedTraceHeaders(headers: TraceHeaders | undefined): string | null {
  return headers !== undefined && Object.keys(headers).length > 0 ? JSON.stringify(headers) : null;
}
