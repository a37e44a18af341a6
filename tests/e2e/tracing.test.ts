// One sign-up is one trace: W3C trace context goes from the client through the BFF, gRPC, the
// outbox row, Kafka and the saga to the welcome note, and log lines carry its ids. The services
// export to an OTLP/HTTP receiver in this test (http/json).
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { openEventStream } from '@notes/testkit';
import { apiClient } from './api.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

const password = 'correct horse battery';
const spanKind = { server: 2, producer: 4, consumer: 5 } as const;

/** Polls until check() returns a value, or fails after timeoutMs. */
async function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The span of trace that matches, failing with what the trace holds when none does. */
function spanOf(trace: ReceivedSpan[], what: string, matches: (span: ReceivedSpan) => boolean): ReceivedSpan {
  const span = trace.find(matches);
  assert.ok(span, `${what} is not in the trace: ${trace.map((s) => `${s.service}:${s.name}`).join(', ')}`);
  return span;
}

/** Whether ancestor is span's parent, its parent's parent, and so on, within the trace. */
function descendsFrom(trace: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
  const byId = new Map(trace.map((candidate) => [candidate.spanId, candidate]));
  for (let current = byId.get(span.parentSpanId); current !== undefined; current = byId.get(current.parentSpanId)) {
    if (current.spanId === ancestor.spanId) return true;
  }
  return false;
}

/** The JSON log lines a service wrote (services by their short names: bff, auth, notes, saga). */
function logLines(platform: RunningPlatform, service: 'bff' | 'auth' | 'notes' | 'saga'): Record<string, unknown>[] {
  return platform.output
    .filter((line) => line.startsWith(`${service}| {`))
    .map((line) => JSON.parse(line.slice(service.length + 2)) as Record<string, unknown>);
}

describe('tracing', () => {
  let receiver: OtlpReceiver;
  let platform: RunningPlatform;
  before(async () => {
    receiver = await startOtlpReceiver();
    platform = await startTestPlatform({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
  });
  after(async () => {
    await platform?.close();
    await receiver?.close();
  });

  test('a sign-up is one trace: bff-rest, auth-service, the relay, saga-orchestrator and the welcome note', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const requestId = `e2e-trace-${randomUUID()}`;
    const email = `e2e-${randomUUID()}@example.com`;
    const api = apiClient(platform.bffUrl);
    const signUp = await api.call('POST', '/v1/auth/sign-up', {
      body: { email, password },
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01`, 'x-request-id': requestId },
    });
    assert.equal(signUp.status, 201, signUp.text);
    const signIn = await api.call('POST', '/v1/auth/sign-in', { body: { email, password } });
    assert.equal(signIn.status, 200, signIn.text);
    await api.welcomeNoteId(signIn.json.access_token);

    // Each service exports on its own schedule, a span once it ended (children before their
    // parents): wait for the outermost spans of each part of the way.
    const outermost = [
      'bff-rest POST /v1/auth/sign-up',
      'auth-service auth.v1.AuthService/SignUp',
      'auth-service auth.events publish',
      'saga-orchestrator auth.events process',
      'saga-orchestrator saga.commands publish',
      'notes-service saga.commands process',
    ];
    const trace = await eventually('every part of the sign-up trace', () => {
      const spans = receiver.spans.filter((span) => span.traceId === traceId);
      const received = new Set(spans.map((span) => `${span.service} ${span.name}`));
      return outermost.every((name) => received.has(name)) ? spans : undefined;
    });

    const bff = spanOf(trace, 'the BFF request', (s) => s.service === 'bff-rest' && s.kind === spanKind.server);
    assert.equal(bff.name, 'POST /v1/auth/sign-up');
    assert.equal(bff.parentSpanId, callerSpanId, 'the BFF continues the caller’s traceparent');
    assert.equal(bff.attributes['http.response.status_code'], 201);

    const signUpCall = spanOf(
      trace,
      'auth-service’s SignUp',
      (s) => s.service === 'auth-service' && s.kind === spanKind.server && s.name === 'auth.v1.AuthService/SignUp',
    );
    assert.ok(descendsFrom(trace, signUpCall, bff), 'SignUp runs under the BFF request');
    assert.equal(signUpCall.attributes['rpc.system'], 'grpc');

    const userInsert = spanOf(
      trace,
      'the users INSERT',
      (s) => s.service === 'auth-service' && /INSERT INTO users/i.test(String(s.attributes['db.query.text'])),
    );
    assert.ok(descendsFrom(trace, userInsert, signUpCall));
    assert.equal(userInsert.attributes['db.system'], 'postgresql');

    const userCreatedPublish = spanOf(
      trace,
      'the relay publishing UserCreated',
      (s) => s.service === 'auth-service' && s.kind === spanKind.producer && s.name === 'auth.events publish',
    );
    assert.ok(descendsFrom(trace, userCreatedPublish, signUpCall), 'the publish is a child of the stored context');

    const sagaConsume = spanOf(
      trace,
      'the orchestrator consuming UserCreated',
      (s) => s.service === 'saga-orchestrator' && s.kind === spanKind.consumer && s.name === 'auth.events process',
    );
    assert.equal(sagaConsume.parentSpanId, userCreatedPublish.spanId, 'consumed under the Kafka message’s traceparent');
    assert.equal(sagaConsume.attributes['messaging.system'], 'kafka');

    const sagaStep = spanOf(
      trace,
      'the SignUpSaga step',
      (s) => s.service === 'saga-orchestrator' && s.name.startsWith('saga SignUpSaga'),
    );
    assert.ok(descendsFrom(trace, sagaStep, sagaConsume));

    const commandPublish = spanOf(
      trace,
      'the relay publishing the saga command',
      (s) => s.service === 'saga-orchestrator' && s.kind === spanKind.producer && s.name === 'saga.commands publish',
    );
    assert.ok(descendsFrom(trace, commandPublish, sagaStep));

    const notesConsume = spanOf(
      trace,
      'notes-service consuming the command',
      (s) => s.service === 'notes-service' && s.kind === spanKind.consumer && s.name === 'saga.commands process',
    );
    assert.equal(notesConsume.parentSpanId, commandPublish.spanId);
    const welcomeNoteInsert = spanOf(
      trace,
      'the welcome note INSERT',
      (s) => s.service === 'notes-service' && /INSERT INTO notes/i.test(String(s.attributes['db.query.text'])),
    );
    assert.ok(descendsFrom(trace, welcomeNoteInsert, notesConsume));

    // Statements are exported without their parameters.
    assert.ok(!JSON.stringify(trace).includes(email), 'no parameter value in any span');

    // Log lines written while handling the request carry its trace and request ids...
    const bffLines = logLines(platform, 'bff').filter((line) => line.request_id === requestId);
    assert.ok(bffLines.length > 0, 'the BFF logged the request');
    assert.ok(
      bffLines.some((line) => line.trace_id === traceId && typeof line.span_id === 'string'),
      `a BFF line of the request carries its trace id: ${JSON.stringify(bffLines)}`,
    );
    // ...and those written while handling a consumed message, its trace and saga (correlation) ids.
    const sagaId = String(sagaStep.attributes['saga.id']);
    assert.ok(
      logLines(platform, 'saga').some((line) => line.trace_id === traceId && line.correlation_id === sagaId),
      'a saga-orchestrator line of the saga carries the trace id and the saga id',
    );
  });

  test("a change stream's delivery span links to the trace of the write it delivers", async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    await api.welcomeNoteId(token);
    const stream = await openEventStream(`${platform.bffUrl}/v1/notes/changes/stream`, {
      authorization: `Bearer ${token}`,
    });
    try {
      await stream.next(); // the welcome note of the full sync
      await platform.followingNoteChanges();
      const traceId = randomBytes(16).toString('hex');
      const created = await api.call('POST', '/v1/notes', {
        token,
        body: { title: 'delivered live' },
        headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(JSON.parse((await stream.next()).data).note.id, created.json.id);
      const consumed = await eventually('the BFF consuming the NoteCreated', () =>
        receiver.spans.find(
          (s) => s.traceId === traceId && s.service === 'bff-rest' && s.name === 'notes.events process',
        ),
      );
      const delivery = await eventually("the stream's delivery span", () =>
        receiver.spans.find(
          (s) => s.name === 'change-stream deliver' && s.links.some((link) => link.spanId === consumed.spanId),
        ),
      );
      assert.equal(delivery.service, 'bff-rest');
      assert.notEqual(delivery.traceId, traceId, 'the delivery is a trace of its own, linked to the write');
    } finally {
      stream.close();
    }
  });
});
