import { contextFromTraceHeaders } from '@notes/telemetry';
import { type Span, SpanKind, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('@notes/outbox');

/** What the relay's publish span needs of an outbox row. */
export interface PublishedRow {
  id: string;
  aggregate_id: string;
  topic: string;
  type: string;
  trace_headers: Record<string, string> | null;
}

/**
 * The PRODUCER span of one event the relay publishes: a child of the trace context stored with
 * the row (the transaction that wrote it), or a new trace when none was stored.
 */
export function startPublishSpan(row: PublishedRow): Span {
  return tracer.startSpan(
    `${row.topic} publish`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'publish',
        'messaging.destination.name': row.topic,
        'messaging.message.id': row.id,
        'messaging.kafka.message.key': row.aggregate_id,
        'notes.event.type': row.type,
      },
    },
    contextFromTraceHeaders(row.trace_headers ?? undefined),
  );
}
