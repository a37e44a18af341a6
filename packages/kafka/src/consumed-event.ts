import { type ConsumedRecord, errorMessage } from './dlq.ts';
import { decodeEnvelope, type Event } from './envelope.ts';

/** An event as a handler receives it: the decoded envelope plus where the record was read. */
export interface ConsumedEvent extends Event {
  topic: string;
  partition: number;
  offset: bigint;
  /** The record's key (the aggregate id) as text. */
  key: string | undefined;
  /** The record's headers as text; of a name given twice, the last value. */
  headers: ReadonlyMap<string, string>;
  /** 1 on the first delivery to the handler, 2 on its first retry, and so on. */
  attempt: number;
}

/** Resolves when the event is handled; throws to have it retried (and, after the last attempt, dead-lettered). */
export type EventHandler = (event: ConsumedEvent) => Promise<void>;

/** A record whose value is not an EventEnvelope of the contract: dead-lettered at once, never retried. */
export class UndecodableEventError extends Error {
  override name = 'UndecodableEventError';
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Decodes a record into the event a handler receives; throws UndecodableEventError when it is not one. */
export function decodeConsumedEvent(record: ConsumedRecord, attempt = 1): ConsumedEvent {
  if (record.value === undefined || record.value.length === 0) {
    throw new UndecodableEventError('the record has no value');
  }
  let envelope: ReturnType<typeof decodeEnvelope>;
  try {
    envelope = decodeEnvelope(record.value);
  } catch (error) {
    throw new UndecodableEventError(`the value is not an EventEnvelope: ${errorMessage(error)}`);
  }
  if (!uuid.test(envelope.eventId)) throw new UndecodableEventError('the envelope has no UUID event_id');
  if (envelope.aggregateId === '') throw new UndecodableEventError('the envelope has no aggregate_id');
  if (envelope.type === '') throw new UndecodableEventError('the envelope has no type');
  const headers = new Map(record.headers.map(([name, value]) => [name, value.toString('utf8')]));
  const traceHeaders: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate']) {
    const value = headers.get(name);
    if (value !== undefined) traceHeaders[name] = value;
  }
  return {
    eventId: envelope.eventId,
    aggregateId: envelope.aggregateId,
    type: envelope.type,
    occurredAt: new Date(Number(envelope.occurredAt)),
    payload: envelope.payload,
    correlationId: envelope.correlationId === '' ? undefined : envelope.correlationId,
    traceHeaders: Object.keys(traceHeaders).length > 0 ? traceHeaders : undefined,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key?.toString('utf8'),
    headers,
    attempt,
  };
}
