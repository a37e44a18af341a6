import { withLogFields } from '@notes/logger';
import { contextFromTraceHeaders, inSpan } from '@notes/telemetry';
import { SpanKind, trace } from '@opentelemetry/api';
import type { Event } from './envelope.ts';

/** A delivery of an event to a handler: the event and where it was read. */
export interface Delivery extends Event {
  topic: string;
  partition: number;
  offset: bigint;
  attempt: number;
}

const tracer = trace.getTracer('@notes/kafka');

/**
 * Runs a handler's attempt on event in a CONSUMER span, a child of the message's traceparent (the
 * relay's publish span), so the handler's SQL and outbox rows join the producer's trace; its log
 * lines carry the trace ids and, when the event has one, the saga id as correlation_id.
 */
export function inConsumeSpan(event: Delivery, group: string, work: () => Promise<void>): Promise<void> {
  const traced = () =>
    inSpan(
      tracer,
      `${event.topic} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': event.topic,
          'messaging.destination.partition.id': String(event.partition),
          'messaging.kafka.offset': Number(event.offset),
          'messaging.consumer.group.name': group,
          'messaging.message.id': event.eventId,
          'messaging.kafka.message.key': event.aggregateId,
          'notes.event.type': event.type,
          'notes.delivery.attempt': event.attempt,
        },
      },
      work,
      contextFromTraceHeaders(event.traceHeaders),
    );
  return event.correlationId === undefined ? traced() : withLogFields({ correlation_id: event.correlationId }, traced);
}
