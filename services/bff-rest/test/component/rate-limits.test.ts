import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import type { InjectOptions } from 'fastify';
import { assertProblem } from './assertions.ts';
import { buildTestBff, type TestBff } from './fakes.ts';

const password = 'correct horse battery';

/** A 429 problem whose Retry-After is a number of seconds within the window. */
function assertTooManyRequests(response: Parameters<typeof assertProblem>[0], windowSeconds: number): void {
  assertProblem(response, 429);
  const retryAfter = Number(response.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowSeconds, String(retryAfter));
}

describe('the per-IP request limit', () => {
  let bff: TestBff;
  before(async () => {
    bff = await buildTestBff({
      'rateLimits.perIp.max': 3,
      'rateLimits.perIp.windowSeconds': 60,
      'http.trustProxy': '127.0.0.1',
    });
  });
  after(() => bff.app.close());

  const from = (remoteAddress: string, options: InjectOptions = {}) =>
    bff.app.inject({ url: '/v1/notes', ...options, remoteAddress });

  it('answers 429 with Retry-After after max requests of an address, whatever they were, and counts each address apart', async () => {
    for (let i = 0; i < 3; i++) assertProblem(await from('10.0.0.1'), 401);
    assertTooManyRequests(await from('10.0.0.1'), 60);
    const { authorization } = await bff.signedInUser();
    assertTooManyRequests(await from('10.0.0.1', { headers: { authorization } }), 60);
    assertTooManyRequests(await from('10.0.0.1', { url: '/v1/nothing-here' }), 60);
    assert.equal((await from('10.0.0.2', { headers: { authorization } })).statusCode, 200);
  });

  it('never limits the probes and /metrics', async () => {
    for (let i = 0; i < 4; i++) await from('10.0.0.3');
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      assert.equal((await from('10.0.0.3', { url })).statusCode, 200, url);
    }
  });

  it('counts the client named by X-Forwarded-For only when a trusted proxy sends it', async () => {
    const viaProxy = (client: string) => from('127.0.0.1', { headers: { 'x-forwarded-for': client } });
    for (let i = 0; i < 3; i++) await viaProxy('203.0.113.7');
    assertTooManyRequests(await viaProxy('203.0.113.7'), 60);
    assertProblem(await viaProxy('203.0.113.8'), 401);
    // From an untrusted address the header is ignored: the address itself is counted.
    assertProblem(await from('10.0.0.4', { headers: { 'x-forwarded-for': '203.0.113.7' } }), 401);
  });
});

describe('failed sign-ins', () => {
  let bff: TestBff;
  let email: string;
  before(async () => {
    bff = await buildTestBff({
      'rateLimits.failedSignInsPerIp.max': 3,
      'rateLimits.failedSignInsPerIp.windowSeconds': 900,
    });
    email = `user-${randomUUID()}@example.com`;
    const signUp = await bff.app.inject({ method: 'POST', url: '/v1/auth/sign-up', payload: { email, password } });
    assert.equal(signUp.statusCode, 201);
  });
  after(() => bff.app.close());

  const signIn = (remoteAddress: string, credentials: { email: string; password: string }) =>
    bff.app.inject({ method: 'POST', url: '/v1/auth/sign-in', payload: credentials, remoteAddress });

  it('from one address: after max failures, 429 with Retry-After even for the right password', async () => {
    for (let i = 0; i < 3; i++) assertProblem(await signIn('10.1.0.1', { email, password: 'wrong password!' }), 401);
    const callsBefore = bff.upstreams.callsTo('SignIn').length;
    assertTooManyRequests(await signIn('10.1.0.1', { email, password }), 900);
    assert.equal(bff.upstreams.callsTo('SignIn').length, callsBefore, 'refused without asking auth-service');
    assert.equal((await signIn('10.1.0.2', { email, password })).statusCode, 200, 'another address');
  });

  it('do not count successful sign-ins', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await signIn('10.1.0.3', { email, password })).statusCode, 200);
  });

  it("per account: auth-service's RESOURCE_EXHAUSTED is a 429 with its retry-after, not a failure of the address", async () => {
    const locked = new ConnectError('too many failed sign-ins', Code.ResourceExhausted, { 'retry-after': '600' });
    const response = await bff.upstreams.withFault('auth', { kind: 'fail', error: locked }, () =>
      signIn('10.1.0.4', { email, password }),
    );
    assertTooManyRequests(response, 900);
    assert.equal(response.headers['retry-after'], '600');
    for (let i = 0; i < 3; i++) {
      await bff.upstreams.withFault('auth', { kind: 'fail', error: locked }, () =>
        signIn('10.1.0.4', { email, password }),
      );
    }
    assert.equal((await signIn('10.1.0.4', { email, password })).statusCode, 200);
  });
});
