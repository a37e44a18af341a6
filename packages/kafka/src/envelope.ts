import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type EventEnvelope, EventEnvelopeSchema } from '@notes/contracts/common/v1';

/** An event as the platform publishes it: the envelope's fields, with the payload still encoded. */
export interface Event {
  eventId: string;
  /** user_id or note_id: the Kafka key, so one aggregate's events stay in one partition, in order. */
  aggregateId: string;
  /** e.g. "auth.UserCreated": names the protobuf message in payload. */
  type: string;
  occurredAt: Date;
  payload: Uint8Array;
  /** The saga id, where one applies. */
  correlationId?: string | undefined;
  /** W3C trace context of the transaction that wrote the event (traceparent, tracestate). */
  traceHeaders?: Record<string, string> | undefined;
}

/** A Kafka record of the contract: key = aggregate id, value = binary EventEnvelope, headers. */
export interface EventRecord {
  key: string;
  value: Uint8Array;
  headers: Map<string, string>;
}

export function encodeEvent(event: Event): EventRecord {
  const envelope = create(EventEnvelopeSchema, {
    eventId: event.eventId,
    aggregateId: event.aggregateId,
    type: event.type,
    occurredAt: BigInt(event.occurredAt.getTime()),
    payload: event.payload,
    correlationId: event.correlationId ?? '',
  });
  const headers = new Map<string, string>([
    ['event_id', event.eventId],
    ['type', event.type],
  ]);
  if (event.correlationId) headers.set('correlation_id', event.correlationId);
  for (const [name, value] of Object.entries(event.traceHeaders ?? {})) headers.set(name, value);
  return { key: event.aggregateId, value: toBinary(EventEnvelopeSchema, envelope), headers };
}

/** Decodes a record's value; throws on bytes that are not an EventEnvelope. */
export function decodeEnvelope(value: Uint8Array): EventEnvelope {
  return fromBinary(EventEnvelopeSchema, value);
}
