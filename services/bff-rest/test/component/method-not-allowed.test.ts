// A known path asked with a method it does not serve is a 405 problem whose Allow header lists the
// methods it serves (RFC 9110 §15.5.6); only unknown paths are 404.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { HTTPMethods, LightMyRequestResponse as InjectResponse } from 'fastify';
import { assertProblem } from './assertions.ts';
import { buildTestBff, type TestBff } from './fakes.ts';

let bff: TestBff;
before(async () => {
  bff = await buildTestBff();
});
after(() => bff.app.close());

/** A 405 problem for `url`; returns the methods its Allow header lists. */
function assertMethodNotAllowed(response: InjectResponse, url: string): string[] {
  const body = assertProblem(response, 405);
  assert.equal(body.instance, url.split('?')[0]);
  const allow = String(response.headers.allow ?? assert.fail(`${url}: no Allow header`));
  return allow.split(', ');
}

describe('a known path with a method it does not serve', () => {
  it('is a 405 whose Allow lists the methods the path serves, HEAD with GET', async () => {
    const url = '/v1/notes';
    const response = await bff.app.inject({ method: 'DELETE', url });
    assert.deepEqual(assertMethodNotAllowed(response, url), ['GET', 'HEAD', 'POST']);
    assert.match(assertProblem(response, 405).detail, /DELETE/);
  });

  it('is a 405 on a path served by one method only', async () => {
    const url = '/v1/auth/sign-in';
    assert.deepEqual(assertMethodNotAllowed(await bff.app.inject({ method: 'PATCH', url }), url), ['POST']);
    assert.deepEqual(assertMethodNotAllowed(await bff.app.inject({ method: 'GET', url }), url), ['POST']);
  });

  it('is a 405 on a path with a parameter, whatever its value, and with a query string', async () => {
    for (const url of [`/v1/notes/${randomUUID()}`, '/v1/notes/not-a-uuid', `/v1/notes/${randomUUID()}?x=1`]) {
      const allowed = assertMethodNotAllowed(await bff.app.inject({ method: 'POST', url }), url);
      for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) assert.ok(allowed.includes(method), `${url}: ${allowed}`);
      assert.ok(!allowed.includes('POST'), `${url}: ${allowed}`);
    }
  });

  it('is a 405 before authentication, and for OPTIONS, which no route serves', async () => {
    const url = '/v1/auth/me';
    assert.deepEqual(assertMethodNotAllowed(await bff.app.inject({ method: 'GET', url }), url), ['DELETE']);
    assert.deepEqual(assertMethodNotAllowed(await bff.app.inject({ method: 'OPTIONS', url }), url), ['DELETE']);
  });

  it('is a 405 on every documented path, whose Allow is what the document says it serves (and HEAD with GET)', async () => {
    const document = (await bff.app.inject({ url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [path, operations] of Object.entries(document.paths)) {
      const documented = Object.keys(operations).map((method) => method.toUpperCase());
      const served = documented.includes('GET') ? [...documented, 'HEAD'] : documented;
      const unserved = (['POST', 'PUT', 'PATCH', 'DELETE', 'GET'] satisfies HTTPMethods[]).find(
        (method) => !served.includes(method),
      );
      assert.ok(unserved !== undefined, path);
      const url = path.replace(/\{[^}]+\}/g, randomUUID());
      const allowed = assertMethodNotAllowed(await bff.app.inject({ method: unserved, url }), url);
      assert.deepEqual(allowed, [...served].sort(), `${unserved} ${url}`);
    }
  });

  it('is a 405 on the paths of plugins too (the Swagger UI assets)', async () => {
    const url = '/docs/static/swagger-ui-bundle.js';
    assert.deepEqual(assertMethodNotAllowed(await bff.app.inject({ method: 'PUT', url }), url), ['GET', 'HEAD']);
  });
});

describe('an unknown path', () => {
  it('is a 404 whatever the method, without an Allow header', async () => {
    for (const [method, url] of [
      ['GET', '/nope'],
      ['DELETE', '/nope'],
      ['GET', `/v1/notes/${randomUUID()}/more`],
      ['POST', '/v1/note'],
    ] as const) {
      const response = await bff.app.inject({ method, url });
      assert.equal(assertProblem(response, 404).instance, url);
      assert.equal(response.headers.allow, undefined);
    }
  });
});
