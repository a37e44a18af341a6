import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import {
  contextFromTraceHeaders,
  inChildSpan,
  inSpan,
  linksTo,
  traceHeadersOf,
  tracingEnabled,
} from '../../src/index.ts';
import { type InMemoryTracing, startInMemoryTracing } from '../../src/testing.ts';

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const tracer = trace.getTracer('test');

test('with tracing off, nothing is carried and no span is made', async () => {
  assert.equal(tracingEnabled(), false);
  assert.equal(traceHeadersOf(), undefined);
  assert.deepEqual(linksTo({ traceparent }), []);
  await inSpan(tracer, 'work', {}, async (span) => assert.equal(span.isRecording(), false));
  await inChildSpan(tracer, 'statement', {}, async (span) => assert.equal(span, undefined));
});

describe('with tracing on', () => {
  let tracing: InMemoryTracing;
  before(() => {
    tracing = startInMemoryTracing();
  });
  after(async () => {
    await tracing.stop();
  });

  test('stored headers come back as the parent, and the active span goes out as headers', async () => {
    assert.equal(tracingEnabled(), true);
    const parent = contextFromTraceHeaders({ traceparent, tracestate: 'vendor=1' });
    const headers = await inSpan(tracer, 'child', {}, async () => traceHeadersOf(), parent);
    assert.ok(headers);
    assert.match(headers.traceparent ?? '', /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    assert.notEqual(headers.traceparent, traceparent, 'the child span, not the stored one');
    assert.equal(headers.tracestate, 'vendor=1');
    const child = tracing.spans().find((span) => span.name === 'child');
    assert.equal(child?.parentSpanContext?.spanId, 'b7ad6b7169203331');
  });

  test('a link names the stored span; headers naming none give none', () => {
    const [link] = linksTo({ traceparent });
    assert.equal(link?.context.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(link?.context.spanId, 'b7ad6b7169203331');
    assert.deepEqual(linksTo(undefined), []);
    assert.deepEqual(linksTo({ traceparent: 'not a traceparent' }), []);
  });

  test('child spans are made only under a recording span; a failure is recorded and thrown on', async () => {
    await inChildSpan(tracer, 'orphan', {}, async (span) => assert.equal(span, undefined));
    await assert.rejects(
      inSpan(tracer, 'outer', {}, () =>
        inChildSpan(tracer, 'inner', {}, async (span) => {
          assert.ok(span?.isRecording());
          throw new TypeError('boom');
        }),
      ),
      /boom/,
    );
    const inner = tracing.spans().find((span) => span.name === 'inner');
    assert.equal(inner?.status.code, 2);
    assert.equal(inner?.attributes['error.type'], 'TypeError');
    assert.equal(
      tracing.spans().some((span) => span.name === 'orphan'),
      false,
    );
    assert.equal(trace.getSpan(context.active()), undefined, 'nothing stays active afterwards');
  });
});
