import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { assertProblem, assertStandardHeaders } from './assertions.ts';
import { buildTestBff, type TestBff } from './fakes.ts';

let bff: TestBff;
before(async () => {
  bff = await buildTestBff({ 'upstreams.timeoutMs': 200 });
});
after(() => bff.app.close());

const signUp = (payload: string, contentType = 'application/json') =>
  bff.app.inject({ method: 'POST', url: '/v1/auth/sign-up', payload, headers: { 'content-type': contentType } });

describe('problems for requests the API cannot take', () => {
  it('answers 404 for unknown routes and methods', async () => {
    const unknownPath = await bff.app.inject({ url: '/v1/nothing-here' });
    assert.equal(assertProblem(unknownPath, 404).instance, '/v1/nothing-here');
    // PATCH /v1/notes/{id} exists now; the collection still takes no PATCH.
    assertProblem(await bff.app.inject({ method: 'PATCH', url: '/v1/notes' }), 404);
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const body = JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(1_048_576) });
    assertProblem(await signUp(body), 413);
  });

  it('answers 415 for a body that is not JSON', async () => {
    assertProblem(await signUp('email=a@example.com', 'text/plain'), 415);
    assertProblem(await signUp('email=a@example.com', 'application/x-www-form-urlencoded'), 415);
    const { authorization } = await bff.signedInUser();
    const note = await bff.app.inject({
      method: 'POST',
      url: '/v1/notes',
      payload: 'title',
      headers: { authorization, 'content-type': 'text/plain' },
    });
    assertProblem(note, 415);
  });

  it('answers 400 for malformed or empty JSON', async () => {
    for (const payload of ['{"email": "a@example.com",', '{email: 1}', '']) {
      const body = assertProblem(await signUp(payload), 400);
      assert.equal(body.errors, undefined);
    }
  });

  it('answers 400 for a JSON body that tries prototype pollution', async () => {
    assertProblem(await signUp('{"email":"a@example.com","password":"long enough pw","__proto__":{"x":1}}'), 400);
  });

  it('answers 400 for a malformed URL', async () => {
    assertProblem(await bff.app.inject({ url: '/v1/notes/%E0%A4%A' }), 400);
  });
});

describe('headers of every response', () => {
  it('echo an acceptable X-Request-Id and replace any other', async () => {
    const echoed = await bff.app.inject({ url: '/healthz', headers: { 'x-request-id': 'req-123.abc_DEF' } });
    assert.equal(echoed.headers['x-request-id'], 'req-123.abc_DEF');
    for (const unacceptable of ['has spaces', 'x'.repeat(129), '<script>']) {
      const replaced = await bff.app.inject({ url: '/healthz', headers: { 'x-request-id': unacceptable } });
      assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    }
  });

  it('carry nosniff, a request id and Cache-Control: no-store, and no X-Powered-By, whatever the status', async () => {
    const { authorization } = await bff.signedInUser();
    const responses = await Promise.all([
      bff.app.inject({ url: '/healthz' }),
      bff.app.inject({ url: '/nope' }),
      bff.app.inject({ url: '/v1/notes' }),
      bff.app.inject({ url: '/v1/notes?limit=0', headers: { authorization } }),
      signUp('plain', 'text/plain'),
    ]);
    for (const response of responses) {
      assertStandardHeaders(response);
      assert.equal(response.headers['cache-control'], 'no-store');
    }
  });
});

describe('upstream failures', () => {
  async function listWithNotesFailing(error: ConnectError) {
    const { authorization } = await bff.signedInUser();
    return bff.upstreams.withFault('notes', { kind: 'fail', error }, () =>
      bff.app.inject({ url: '/v1/notes', headers: { authorization } }),
    );
  }

  it('answer 500 without any detail of an internal error', async () => {
    const response = await listWithNotesFailing(
      new ConnectError('relation "notes" does not exist at db-1.internal:5432', Code.Internal),
    );
    assertProblem(response, 500);
    assert.doesNotMatch(response.body, /relation|db-1|5432/);
  });

  it('answer 503 when an upstream is unavailable', async () => {
    assertProblem(
      await listWithNotesFailing(new ConnectError('connect ECONNREFUSED 10.0.0.7:50052', Code.Unavailable)),
      503,
    );
  });

  it('answer 429 with Retry-After when an upstream says too many requests', async () => {
    const response = await listWithNotesFailing(new ConnectError('slow down', Code.ResourceExhausted));
    assertProblem(response, 429);
    assert.match(String(response.headers['retry-after']), /^\d+$/);
  });

  // Without a deadline the call would wait forever: the test's own timeout turns that into a failure.
  it('answer 504 when an upstream misses its deadline', { timeout: 10_000 }, async () => {
    const { authorization } = await bff.signedInUser();
    const response = await bff.upstreams.withFault('notes', { kind: 'hang' }, () =>
      bff.app.inject({ url: '/v1/notes', headers: { authorization } }),
    );
    assertProblem(response, 504);
  });
});

describe('probes', () => {
  it('/healthz answers 200 even when upstreams are down', async () => {
    bff.upstreams.health.auth = 'down';
    try {
      const response = await bff.app.inject({ url: '/healthz' });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), { status: 'ok' });
    } finally {
      bff.upstreams.health.auth = 'serving';
    }
  });

  it('/metrics answers the Prometheus text format, with the requests timed by route and status', async () => {
    await bff.app.inject({ url: '/healthz' });
    const response = await bff.app.inject({ url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(
      response.body,
      /^http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} [1-9]/m,
    );
    assert.match(response.body, /^process_cpu_seconds_total /m);
  });

  it('/readyz answers 200 while every upstream serves', async () => {
    const response = await bff.app.inject({ url: '/readyz' });
    assert.equal(response.statusCode, 200);
    assertStandardHeaders(response);
  });

  for (const upstream of ['auth', 'notes', 'saga'] as const) {
    for (const state of ['down', 'not-serving'] as const) {
      it(`/readyz answers 503 while the ${upstream} upstream is ${state}`, async () => {
        bff.upstreams.health[upstream] = state;
        try {
          const body = assertProblem(await bff.app.inject({ url: '/readyz' }), 503);
          assert.match(body.detail, new RegExp(upstream));
        } finally {
          bff.upstreams.health[upstream] = 'serving';
        }
      });
    }
  }
});
