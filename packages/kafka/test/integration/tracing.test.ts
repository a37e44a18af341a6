// The consumer continues the trace of the message it handles: a CONSUMER span per attempt, a child
// of the message's traceparent, active while the handler runs; log lines carry the saga id.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { topics } from '@notes/contracts/names';
import { createLogger } from '@notes/logger';
import { type InMemoryTracing, startInMemoryTracing } from '@notes/telemetry/testing';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { DeadLetterSender } from '../../src/dlq.ts';
import { kafkaSuite, newEvent, uniqueId, waitFor } from './support.ts';

const topic = topics.sagaCommands;
const noDeadLetters: DeadLetterSender = { send: async () => undefined };

const suite = kafkaSuite(topic);
let tracing: InMemoryTracing;

before(() => {
  tracing = startInMemoryTracing();
});

after(async () => {
  await tracing.stop();
});

test('each attempt is a span under the message’s traceparent, with the handler inside it', {
  timeout: 60_000,
}, async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: 'kafka-test',
    level: 'info',
    destination: new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    }),
  });
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const sagaId = uniqueId('saga');
  const event = newEvent(uniqueId('order'), {
    correlationId: sagaId,
    traceHeaders: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
  });
  const activeInHandler: (string | undefined)[] = [];
  const consumer = suite.startConsumer({
    startAt: 'latest',
    deadLetter: noDeadLetters,
    handler: async (received) => {
      if (received.eventId !== event.eventId) return;
      activeInHandler.push(trace.getActiveSpan()?.spanContext().spanId);
      logger.info('handling');
      if (received.attempt === 1) throw new Error('the first attempt fails');
    },
  });
  try {
    await consumer.ready;
    await suite.producer.publish(topic, event);
    await waitFor('both attempts', () => activeInHandler.length >= 2);
  } finally {
    await consumer.stop();
  }
  const attempts = tracing
    .spans()
    .filter((span) => span.attributes['messaging.message.id'] === event.eventId)
    .sort((a, b) => Number(a.attributes['notes.delivery.attempt']) - Number(b.attributes['notes.delivery.attempt']));
  assert.equal(attempts.length, 2);
  for (const [index, span] of attempts.entries()) {
    assert.equal(span.name, `${topic} process`);
    assert.equal(span.kind, SpanKind.CONSUMER);
    assert.equal(span.spanContext().traceId, traceId);
    assert.equal(span.parentSpanContext?.spanId, '00f067aa0ba902b7');
    assert.equal(span.attributes['messaging.destination.name'], topic);
    assert.equal(activeInHandler[index], span.spanContext().spanId, 'the handler runs inside the span');
  }
  assert.equal(attempts[0]?.status.code, SpanStatusCode.ERROR);
  assert.equal(attempts[1]?.status.code, SpanStatusCode.UNSET);
  assert.ok(lines.every((line) => line.trace_id === traceId && line.correlation_id === sagaId));
  assert.equal(lines.length, 2);
});
