import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { assertProblem } from './assertions.ts';
import { buildTestBff, generateSigningKeys, mintAccessToken, type TestBff, type Upstream } from './fakes.ts';

let bff: TestBff;
before(async () => {
  // A token naming an unknown key fetches the JWKS at once (no interval), as after a rotation.
  bff = await buildTestBff({ 'jwt.jwksRefetchIntervalMs': 0 });
});
after(() => bff.app.close());

const unavailable = (times: number) => ({
  kind: 'fail' as const,
  error: new ConnectError('connect ECONNREFUSED', Code.Unavailable),
  times,
});

describe('idempotent reads', () => {
  /** Each read, the upstream it calls and the method, for a caller with one note and one saga. */
  async function reads() {
    const caller = await bff.signedInUser();
    const headers = { authorization: caller.authorization };
    const note = await bff.app.inject({ method: 'POST', url: '/v1/notes', headers, payload: { title: 't' } });
    const saga = await bff.app.inject({ method: 'DELETE', url: '/v1/auth/me', headers });
    return [
      { url: `/v1/notes/${note.json().id}`, upstream: 'notes', method: 'GetNote' },
      { url: '/v1/notes', upstream: 'notes', method: 'ListNotes' },
      { url: saga.json().status_url, upstream: 'saga', method: 'GetSaga' },
      { url: '/.well-known/jwks.json', upstream: 'auth', method: 'GetJwks' },
    ].map((read) => ({ ...read, headers, upstream: read.upstream as Upstream }));
  }

  it('are tried again while their upstream is unavailable, each try within what remains of the deadline', async () => {
    for (const read of await reads()) {
      const callsBefore = bff.upstreams.callsTo(read.method).length;
      const response = await bff.upstreams.withFault(read.upstream, unavailable(2), () =>
        bff.app.inject({ url: read.url, headers: read.headers }),
      );
      assert.equal(response.statusCode, 200, `${read.url}: ${response.body}`);
      const tries = bff.upstreams.callsTo(read.method).slice(callsBefore);
      assert.equal(tries.length, 3, read.method);
      const timeouts = tries.map((call) => call.timeoutMs ?? Number.POSITIVE_INFINITY);
      assert.ok(
        timeouts.every((timeout, i) => timeout <= 5_000 && timeout <= (timeouts[i - 1] ?? 5_000)),
        read.method,
      );
      assert.ok(tries.every((call) => call.requestId === response.headers['x-request-id']));
    }
  });

  it('answer 503 once the upstream stayed unavailable for every try', async () => {
    const [getNote] = await reads();
    assert.ok(getNote !== undefined);
    const callsBefore = bff.upstreams.callsTo('GetNote').length;
    const response = await bff.upstreams.withFault('notes', unavailable(3), () =>
      bff.app.inject({ url: getNote.url, headers: getNote.headers }),
    );
    assertProblem(response, 503);
    assert.equal(bff.upstreams.callsTo('GetNote').length - callsBefore, 3);
  });
});

describe('writes', () => {
  it('are never tried twice: an unavailable upstream is a 503 at once', async () => {
    const { authorization } = await bff.signedInUser();
    const writes = [
      { method: 'POST', url: '/v1/notes', payload: { title: 't' }, upstream: 'notes', rpc: 'CreateNote' },
      { method: 'DELETE', url: '/v1/auth/me', upstream: 'saga', rpc: 'StartDeleteUserSaga' },
      {
        method: 'POST',
        url: '/v1/auth/sign-up',
        payload: { email: `u-${randomUUID()}@example.com`, password: 'correct horse battery' },
        upstream: 'auth',
        rpc: 'SignUp',
      },
    ] as const;
    for (const { upstream, rpc, ...request } of writes) {
      const callsBefore = bff.upstreams.callsTo(rpc).length;
      const response = await bff.upstreams.withFault(upstream, unavailable(1), () =>
        bff.app.inject({ ...request, headers: { authorization } }),
      );
      assertProblem(response, 503);
      assert.equal(bff.upstreams.callsTo(rpc).length - callsBefore, 1, rpc);
    }
  });
});

describe('access tokens and the JWKS of auth-service', () => {
  it('verify tokens of the previous key while the new one signs, and learn a new key when a token names it', async () => {
    const previous = bff.keys;
    const current = await generateSigningKeys();
    bff.upstreams.publishedKeys = [current, previous];
    const list = async (token: string) =>
      (await bff.app.inject({ url: '/v1/notes', headers: { authorization: `Bearer ${token}` } })).statusCode;

    assert.equal(await list(await mintAccessToken(current, randomUUID())), 200);
    assert.equal(await list(await mintAccessToken(previous, randomUUID())), 200);

    // The previous key retired: its tokens no longer verify once the JWKS is fetched again.
    const next = await generateSigningKeys();
    bff.upstreams.publishedKeys = [next, current];
    assert.equal(await list(await mintAccessToken(next, randomUUID())), 200);
    assert.equal(await list(await mintAccessToken(previous, randomUUID())), 401);
  });
});
