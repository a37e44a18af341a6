import type { Event } from '@notes/kafka';
import { preparedStatement, type Transaction } from '@notes/postgres';
import { type TraceHeaders, traceHeadersOf } from '@notes/telemetry';

const columnsPerRow = 8;
// PostgreSQL takes at most 65,535 parameters per statement.
const rowsPerStatement = 4_000;

// One event per call is the common case: its statement is prepared.
const insertOneEvent = preparedStatement(insertText(1));

/**
 * Writes events to the outbox inside the caller's business transaction, so they are published if
 * and only if that transaction commits. The rows are deferred writes of tx: they go to the database
 * with the transaction's next query or at its commit (with the business rows, in one statement,
 * when those are deferred too). Call it after the business rows are written (their row locks
 * taken by a query, or new rows), so that one aggregate's events are numbered in the order their
 * transactions commit; give one aggregate's events of one transaction in one call, which numbers
 * them in order. After the commit, call the notifier's afterCommit(). An event without
 * traceHeaders of its own gets the active trace context (none when tracing is off).
 */
export function appendToOutbox(tx: Transaction, topic: string, events: readonly Event[]): void {
  // The trace of the transaction writing the rows, so the relay's publish (and every consumer) joins it.
  const activeTraceHeaders = traceHeadersOf();
  for (let start = 0; start < events.length; start += rowsPerStatement) {
    const chunk = events.slice(start, start + rowsPerStatement);
    const values = chunk.flatMap((event) => [
      event.eventId,
      event.aggregateId,
      topic,
      event.type,
      Buffer.from(event.payload.buffer, event.payload.byteOffset, event.payload.byteLength),
      event.correlationId || null,
      storedTraceHeaders(event.traceHeaders ?? activeTraceHeaders),
      event.occurredAt,
    ]);
    tx.defer(chunk.length === 1 ? insertOneEvent(values) : { text: insertText(chunk.length), values });
  }
}

function insertText(rows: number): string {
  const tuples = Array.from({ length: rows }, (_, row) => {
    const first = row * columnsPerRow;
    return `($${first + 1}, $${first + 2}, $${first + 3}, $${first + 4}, $${first + 5}, $${first + 6}, $${first + 7}, $${first + 8})`;
  });
  return `INSERT INTO outbox (id, aggregate_id, topic, type, payload, correlation_id, trace_headers, occurred_at)
     VALUES ${tuples.join(', ')}`;
}

function storedTraceHeaders(headers: TraceHeaders | undefined): string | null {
  return headers !== undefined && Object.keys(headers).length > 0 ? JSON.stringify(headers) : null;
}
