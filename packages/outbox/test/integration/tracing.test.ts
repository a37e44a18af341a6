// The trace context through the outbox: stored with the row by appendToOutbox, continued by the
// relay's publish span, and sent on as the Kafka message's traceparent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inSpan } from '@notes/telemetry';
import { type InMemoryTracing, startInMemoryTracing } from '@notes/telemetry/testing';
import { SpanKind, trace } from '@opentelemetry/api';
import { commitEvents, noteUpdated, outboxSuite, relayUntilArrived, topic, uniquePrefix } from './helpers.ts';

const suite = outboxSuite('tracing');
let tracing: InMemoryTracing;

before(() => {
  tracing = startInMemoryTracing();
});

after(async () => {
  await tracing.stop();
});

test('the row keeps the writer’s trace; the relay publishes it in a child span whose context the message carries', {
  timeout: 60_000,
}, async () => {
  const prefix = uniquePrefix('tracing');
  const collector = await suite.collect(prefix);
  const relay = suite.relay();
  const event = noteUpdated(`${prefix}a`, 1);
  await inSpan(trace.getTracer('test'), 'the request', {}, () => commitEvents(suite.db.pool, [event]));
  const request = tracing.spans().find((span) => span.name === 'the request');
  const transaction = tracing.spans().find((span) => span.name === 'transaction');
  assert.ok(request && transaction);
  const { rows } = await suite.db.pool.query<{ trace_headers: { traceparent: string } }>(
    'SELECT trace_headers FROM outbox WHERE id = $1',
    [event.eventId],
  );
  const { traceId } = request.spanContext();
  assert.equal(rows[0]?.trace_headers.traceparent, `00-${traceId}-${transaction.spanContext().spanId}-01`);

  // Stopped once the event arrived: the batch, and so its spans, ended.
  await relayUntilArrived(relay, collector, [event.eventId], 30_000);
  const publish = tracing.spans().find((span) => span.attributes['messaging.message.id'] === event.eventId);
  assert.ok(publish, 'a publish span for the event');
  assert.equal(publish.name, `${topic} publish`);
  assert.equal(publish.kind, SpanKind.PRODUCER);
  assert.equal(publish.parentSpanContext?.spanId, transaction.spanContext().spanId);
  assert.equal(publish.attributes['messaging.system'], 'kafka');
  const message = collector.received.find((received) => received.envelope.eventId === event.eventId);
  assert.equal(message?.headers.get('traceparent'), `00-${traceId}-${publish.spanContext().spanId}-01`);
});
