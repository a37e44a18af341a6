import type { Event, EventProducer } from '@notes/kafka';
import { recordFailure, traceHeadersOf } from '@notes/telemetry';
import { ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';
import type { OutboxRelayMetrics } from './metrics.ts';
import { startPublishSpan } from './tracing.ts';

/** An unsent outbox row, as a batch claims it. */
export interface OutboxRow {
  id: string;
  aggregate_id: string;
  topic: string;
  type: string;
  payload: Buffer;
  correlation_id: string | null;
  trace_headers: Record<string, string> | null;
  occurred_at: Date;
  lane: number;
}

/**
 * One produce call per topic (a batch usually holds one), each in seq order. Each event is
 * published in a PRODUCER span, a child of the trace context stored with its row.
 */
export async function publishRows(
  rows: OutboxRow[],
  producer: Pick<EventProducer, 'publish'>,
  metrics: OutboxRelayMetrics | undefined,
): Promise<void> {
  const spans: Span[] = [];
  try {
    await publishInOrder(rows, spans, producer, metrics);
  } catch (error) {
    for (const span of spans) recordFailure(span, error);
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}

async function publishInOrder(
  rows: OutboxRow[],
  spans: Span[],
  producer: Pick<EventProducer, 'publish'>,
  metrics: OutboxRelayMetrics | undefined,
): Promise<void> {
  const byTopic = new Map<string, Event[]>();
  for (const row of rows) {
    let events = byTopic.get(row.topic);
    if (events === undefined) {
      events = [];
      byTopic.set(row.topic, events);
    }
    const span = startPublishSpan(row);
    spans.push(span);
    events.push({
      eventId: row.id,
      aggregateId: row.aggregate_id,
      type: row.type,
      occurredAt: row.occurred_at,
      payload: row.payload,
      correlationId: row.correlation_id ?? undefined,
      // The consumers' parent is the publish span; a relay that does not trace passes the stored context on.
      traceHeaders:
        (span.isRecording() ? traceHeadersOf(trace.setSpan(ROOT_CONTEXT, span)) : undefined) ??
        row.trace_headers ??
        undefined,
    });
  }
  for (const [topic, events] of byTopic) {
    const started = performance.now();
    await producer.publish(topic, events);
    metrics?.published(
      topic,
      events.map((event) => event.occurredAt),
      (performance.now() - started) / 1000,
    );
  }
}
