// The OpenAPI document: checked in as generated, served, complete, and true. Every (route, status)
// pair it documents is produced here by a request, and the answer matches what the document says:
// the status, the media type, the body's schema and the headers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { IdempotencyKeyReusedSchema } from '@notes/contracts/notes/v1';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { InjectOptions, LightMyRequestResponse as InjectResponse } from 'fastify';
import { generateOpenApiDocument, openApiFile } from '../../src/openapi-document.ts';
import { buildTestBff, mintAccessToken, type TestBff, type Upstream } from './fakes.ts';

interface DocumentedResponse {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: object }>;
}
interface Operation {
  responses: Record<string, DocumentedResponse>;
  security?: unknown[];
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

let generated: OpenApiDocument;
before(async () => {
  generated = (await generateOpenApiDocument()) as OpenApiDocument;
});

/** Every documented operation, as "METHOD /path". */
const operationsOf = (document: OpenApiDocument) =>
  Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
  );

describe('the OpenAPI document', () => {
  it('checked in at openapi/openapi.json is the one the code generates (else: npm run openapi -w services/bff-rest)', async () => {
    const checkedIn = JSON.parse(await readFile(openApiFile, 'utf8'));
    assert.deepEqual(checkedIn, generated, 'openapi/openapi.json is stale: run `npm run openapi -w services/bff-rest`');
  });

  it('is OpenAPI 3.1 with every route of the contract', () => {
    assert.equal(generated.openapi, '3.1.0');
    assert.deepEqual(
      operationsOf(generated)
        .map(({ name }) => name)
        .sort(),
      [
        'DELETE /v1/auth/me',
        'DELETE /v1/auth/session',
        'DELETE /v1/notes/{id}',
        'GET /.well-known/jwks.json',
        'GET /healthz',
        'GET /metrics',
        'GET /readyz',
        'GET /v1/notes',
        'GET /v1/notes/changes',
        'GET /v1/notes/changes/stream',
        'GET /v1/notes/{id}',
        'GET /v1/sagas/{id}',
        'GET /v1/tags',
        'PATCH /v1/notes/{id}',
        'POST /v1/auth/refresh',
        'POST /v1/auth/session',
        'POST /v1/auth/session/refresh',
        'POST /v1/auth/sign-in',
        'POST /v1/auth/sign-out',
        'POST /v1/auth/sign-up',
        'POST /v1/notes',
        'PUT /v1/notes/{id}',
      ],
    );
  });

  it('gives every error response of every route as a problem+json, and 401 to every route that needs a token', () => {
    for (const { name, operation } of operationsOf(generated)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^[45]/.test(status)) continue;
        assert.deepEqual(
          response.content,
          { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          `${name} ${status}`,
        );
      }
      if (operation.security !== undefined) assert.ok(operation.responses['401'], `${name} 401`);
    }
  });
});

describe('the served document and Swagger UI', () => {
  let bff: TestBff;
  before(async () => {
    bff = await buildTestBff();
  });
  after(() => bff.app.close());

  it('GET /openapi.json serves the generated document', async () => {
    const response = await bff.app.inject({ url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.deepEqual(response.json(), generated);
  });

  it('GET /docs serves Swagger UI from its own assets, over the document', async () => {
    const page = await bff.app.inject({ url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /swagger-ui/);
    for (const asset of ['/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js']) {
      assert.equal((await bff.app.inject({ url: asset })).statusCode, 200, asset);
    }
    assert.deepEqual((await bff.app.inject({ url: '/docs/json' })).json(), generated);
  });
});

describe('every documented response', () => {
  let bff: TestBff;
  /** Allows one request per client address: the second one from an address is a 429. */
  let strict: TestBff;
  /** Why the body does not match the schema at this JSON pointer of the document; undefined when it does. */
  let mismatch: (pointer: string, body: unknown) => string | undefined;
  before(async () => {
    bff = await buildTestBff();
    strict = await buildTestBff({ 'rateLimits.perIp.max': 1 });
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    formats.default(ajv);
    // The document as a schema registry: its $refs (#/components/schemas/...) resolve inside it.
    ajv.addSchema(generated, 'openapi.json');
    mismatch = (pointer, body) => {
      const check = ajv.compile({ $ref: `openapi.json#${pointer}` });
      return check(body) ? undefined : ajv.errorsText(check.errors);
    };
  });
  after(async () => {
    await bff.app.close();
    await strict.app.close();
  });

  type Request = InjectOptions & { url: string };
  interface Route {
    /** "METHOD /documented/{path}" */
    name: string;
    /** The upstream it calls, when it calls one. */
    upstream?: Upstream;
    /** A request the route answers with its success status. */
    valid(): Promise<Request>;
    /** Requests for the statuses that are not the valid request changed in one of the usual ways. */
    statuses?: Record<string, () => Promise<Request | InjectResponse>>;
  }

  const password = 'correct horse battery';
  const json = (method: 'POST' | 'PUT' | 'DELETE' | 'GET', url: string, payload?: object, headers = {}): Request => ({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload }),
  });

  const mergePatch = (url: string, payload: object, headers = {}): Request => ({
    method: 'PATCH',
    url,
    headers: { ...headers, 'content-type': 'application/merge-patch+json' },
    payload,
  });

  async function signedUp() {
    const email = `user-${randomUUID()}@example.com`;
    const response = await bff.app.inject(json('POST', '/v1/auth/sign-up', { email, password }));
    assert.equal(response.statusCode, 201);
    return { email };
  }
  async function refreshToken(): Promise<string> {
    const { email } = await signedUp();
    return (await bff.app.inject(json('POST', '/v1/auth/sign-in', { email, password }))).json().refresh_token;
  }
  /** What a page of the BFF's own origin sends: light-my-request's Host is localhost:80. */
  const sameOrigin = { origin: 'http://localhost:80' };
  async function sessionCookie(): Promise<string> {
    const started = await bff.app.inject(
      json('POST', '/v1/auth/session', { ...(await signedUp()), password }, sameOrigin),
    );
    return String(started.headers['set-cookie']).split(';')[0] ?? '';
  }
  async function caller() {
    return { authorization: (await bff.signedInUser()).authorization };
  }
  async function noteOf(headers: { authorization: string }) {
    const created = await bff.app.inject(json('POST', '/v1/notes', { title: 'A note' }, headers));
    return { id: created.json().id as string, etag: String(created.headers.etag) };
  }
  async function sagaOf(headers: { authorization: string }) {
    return (await bff.app.inject(json('DELETE', '/v1/auth/me', undefined, headers))).json().status_url as string;
  }
  /** A stream request of a caller with a note, whose token expires within a second: the stream ends then. */
  async function briefStream(query: string): Promise<Request> {
    const { userId, authorization } = await bff.signedInUser();
    await noteOf({ authorization });
    const token = await mintAccessToken(bff.keys, userId, { expiresIn: Math.floor(Date.now() / 1000) + 1 });
    return json('GET', `/v1/notes/changes/stream${query}`, undefined, { authorization: `Bearer ${token}` });
  }
  async function withNote(build: (note: string, headers: { authorization: string }) => Request) {
    const headers = await caller();
    return build((await noteOf(headers)).id, headers);
  }

  const routes: Route[] = [
    { name: 'GET /healthz', valid: async () => json('GET', '/healthz') },
    {
      name: 'GET /readyz',
      valid: async () => json('GET', '/readyz'),
      statuses: {
        503: async () => {
          bff.upstreams.health.saga = 'down';
          try {
            return await bff.app.inject({ url: '/readyz' });
          } finally {
            bff.upstreams.health.saga = 'serving';
          }
        },
      },
    },
    { name: 'GET /metrics', valid: async () => json('GET', '/metrics') },
    {
      name: 'POST /v1/auth/sign-up',
      upstream: 'auth',
      valid: async () => json('POST', '/v1/auth/sign-up', { email: `user-${randomUUID()}@example.com`, password }),
      statuses: {
        400: async () => json('POST', '/v1/auth/sign-up', { email: 'nope', password: 'short' }),
        409: async () => json('POST', '/v1/auth/sign-up', { ...(await signedUp()), password }),
      },
    },
    {
      name: 'POST /v1/auth/sign-in',
      upstream: 'auth',
      valid: async () => json('POST', '/v1/auth/sign-in', { ...(await signedUp()), password }),
      statuses: {
        400: async () => json('POST', '/v1/auth/sign-in', { email: '' }),
        401: async () => json('POST', '/v1/auth/sign-in', { ...(await signedUp()), password: 'wrong password' }),
      },
    },
    {
      name: 'POST /v1/auth/refresh',
      upstream: 'auth',
      valid: async () => json('POST', '/v1/auth/refresh', { refresh_token: await refreshToken() }),
      statuses: {
        400: async () => json('POST', '/v1/auth/refresh', {}),
        401: async () => json('POST', '/v1/auth/refresh', { refresh_token: randomUUID() }),
      },
    },
    {
      name: 'POST /v1/auth/sign-out',
      upstream: 'auth',
      valid: async () => json('POST', '/v1/auth/sign-out', { refresh_token: await refreshToken() }),
      statuses: { 400: async () => json('POST', '/v1/auth/sign-out', { refresh_token: 7 }) },
    },
    {
      name: 'POST /v1/auth/session',
      upstream: 'auth',
      valid: async () => json('POST', '/v1/auth/session', { ...(await signedUp()), password }, sameOrigin),
      statuses: {
        400: async () => json('POST', '/v1/auth/session', { email: '' }, sameOrigin),
        401: async () =>
          json('POST', '/v1/auth/session', { ...(await signedUp()), password: 'wrong password' }, sameOrigin),
        403: async () => json('POST', '/v1/auth/session', { ...(await signedUp()), password }),
      },
    },
    {
      name: 'POST /v1/auth/session/refresh',
      upstream: 'auth',
      valid: async () =>
        json('POST', '/v1/auth/session/refresh', undefined, { ...sameOrigin, cookie: await sessionCookie() }),
      statuses: {
        401: async () => json('POST', '/v1/auth/session/refresh', undefined, sameOrigin),
        403: async () => json('POST', '/v1/auth/session/refresh', undefined, { cookie: await sessionCookie() }),
      },
    },
    {
      name: 'DELETE /v1/auth/session',
      upstream: 'auth',
      valid: async () =>
        json('DELETE', '/v1/auth/session', undefined, { ...sameOrigin, cookie: await sessionCookie() }),
      statuses: { 403: async () => json('DELETE', '/v1/auth/session', undefined, { cookie: await sessionCookie() }) },
    },
    { name: 'GET /.well-known/jwks.json', upstream: 'auth', valid: async () => json('GET', '/.well-known/jwks.json') },
    {
      name: 'POST /v1/notes',
      upstream: 'notes',
      valid: async () => json('POST', '/v1/notes', { title: 'Groceries', content: 'milk' }, await caller()),
      statuses: { 400: async () => json('POST', '/v1/notes', { title: ' ' }, await caller()) },
    },
    {
      name: 'GET /v1/notes',
      upstream: 'notes',
      valid: async () => json('GET', '/v1/notes?limit=5', undefined, await caller()),
      statuses: { 400: async () => json('GET', '/v1/notes?limit=0', undefined, await caller()) },
    },
    {
      name: 'GET /v1/notes/changes',
      upstream: 'notes',
      valid: () => withNote((_id, headers) => json('GET', '/v1/notes/changes?limit=5', undefined, headers)),
      statuses: {
        400: async () => json('GET', '/v1/notes/changes?limit=501', undefined, await caller()),
        410: async () => json('GET', '/v1/notes/changes?cursor=feed:expired', undefined, await caller()),
      },
    },
    {
      name: 'GET /v1/notes/changes/stream',
      upstream: 'notes',
      valid: () => briefStream(''),
      statuses: {
        400: () => briefStream('?cursor=not-a-cursor'),
        410: () => briefStream('?cursor=feed:expired'),
      },
    },
    {
      name: 'GET /v1/notes/{id}',
      upstream: 'notes',
      valid: () => withNote((id, headers) => json('GET', `/v1/notes/${id}`, undefined, headers)),
      statuses: {
        400: async () => json('GET', '/v1/notes/not-a-uuid', undefined, await caller()),
        // Someone else's note.
        404: async () => json('GET', `/v1/notes/${(await noteOf(await caller())).id}`, undefined, await caller()),
      },
    },
    {
      name: 'PUT /v1/notes/{id}',
      upstream: 'notes',
      valid: () => withNote((id, headers) => json('PUT', `/v1/notes/${id}`, { title: 'New', content: '' }, headers)),
      statuses: {
        400: () => withNote((id, headers) => json('PUT', `/v1/notes/${id}`, { title: 'no content' }, headers)),
        404: async () => json('PUT', `/v1/notes/${randomUUID()}`, { title: 't', content: '' }, await caller()),
        412: () =>
          withNote((id, headers) =>
            json('PUT', `/v1/notes/${id}`, { title: 't', content: '' }, { ...headers, 'if-match': '"7"' }),
          ),
      },
    },
    {
      name: 'GET /v1/tags',
      upstream: 'notes',
      valid: async () => json('GET', '/v1/tags', undefined, await caller()),
    },
    {
      name: 'PATCH /v1/notes/{id}',
      upstream: 'notes',
      valid: () => withNote((id, headers) => mergePatch(`/v1/notes/${id}`, { pinned: true }, headers)),
      statuses: {
        400: () => withNote((id, headers) => mergePatch(`/v1/notes/${id}`, { title: null }, headers)),
        404: async () => mergePatch(`/v1/notes/${randomUUID()}`, { pinned: true }, await caller()),
        412: () =>
          withNote((id, headers) => mergePatch(`/v1/notes/${id}`, { pinned: true }, { ...headers, 'if-match': '"7"' })),
      },
    },
    {
      name: 'DELETE /v1/notes/{id}',
      upstream: 'notes',
      valid: () => withNote((id, headers) => json('DELETE', `/v1/notes/${id}`, undefined, headers)),
      statuses: {
        400: async () => json('DELETE', '/v1/notes/nope', undefined, await caller()),
        404: async () => json('DELETE', `/v1/notes/${randomUUID()}`, undefined, await caller()),
      },
    },
    {
      name: 'DELETE /v1/auth/me',
      upstream: 'saga',
      valid: async () => json('DELETE', '/v1/auth/me', undefined, await caller()),
    },
    {
      name: 'GET /v1/sagas/{id}',
      upstream: 'saga',
      valid: async () => {
        const headers = await caller();
        return json('GET', await sagaOf(headers), undefined, headers);
      },
      statuses: {
        400: async () => json('GET', '/v1/sagas/not-a-uuid', undefined, await caller()),
        404: async () => json('GET', await sagaOf(await caller()), undefined, await caller()),
      },
    },
  ];

  const withKey = (valid: Request): Request => ({
    ...valid,
    headers: { ...(valid.headers as Record<string, string>), 'idempotency-key': randomUUID() },
  });
  const idempotencyFault = (route: Route, valid: Request, error: ConnectError) =>
    route.upstream === undefined
      ? undefined
      : bff.upstreams.withFault(route.upstream, { kind: 'fail', error }, () => bff.app.inject(withKey(valid)));

  /** The usual ways to turn a valid request into an error of the status. */
  const usualErrors: Record<string, (route: Route, valid: Request) => Promise<InjectResponse> | undefined> = {
    401: (_route, valid) => {
      const { authorization, ...others } = (valid.headers ?? {}) as Record<string, string>;
      return authorization === undefined ? undefined : bff.app.inject({ ...valid, headers: others });
    },
    413: (_route, valid) =>
      valid.payload === undefined
        ? undefined
        : bff.app.inject({ ...valid, payload: { ...(valid.payload as object), content: 'x'.repeat(1_048_577) } }),
    415: (_route, valid) =>
      valid.payload === undefined
        ? undefined
        : bff.app.inject({
            ...valid,
            payload: JSON.stringify(valid.payload),
            headers: { ...valid.headers, 'content-type': 'text/plain' },
          }),
    429: async (_route, valid) => {
      const remoteAddress = `10.9.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;
      await strict.app.inject({ ...valid, remoteAddress });
      return strict.app.inject({ ...valid, remoteAddress });
    },
    // What notes-service answers for a key whose first request is still in flight, or was another request.
    409: (route, valid) => idempotencyFault(route, valid, new ConnectError('in flight', Code.Aborted)),
    422: (route, valid) =>
      idempotencyFault(
        route,
        valid,
        new ConnectError('reused', Code.FailedPrecondition, undefined, [
          { desc: IdempotencyKeyReusedSchema, value: { key: 'k' } },
        ]),
      ),
    '5XX': (route, valid) => {
      if (route.upstream === undefined) return undefined;
      const down = { kind: 'fail' as const, error: new ConnectError('connect ECONNREFUSED', Code.Unavailable) };
      return bff.upstreams.withFault(route.upstream, down, () => bff.app.inject(valid));
    },
  };

  const idempotentWrites = new Set([
    'POST /v1/notes',
    'PUT /v1/notes/{id}',
    'PATCH /v1/notes/{id}',
    'DELETE /v1/notes/{id}',
  ]);

  /** The answer to a write repeated with its key: the first answer again, with every header it may carry. */
  async function replayed(valid: Request): Promise<InjectResponse> {
    const request = withKey(valid);
    const first = await bff.app.inject(request);
    const again = await bff.app.inject(request);
    assert.deepEqual(
      [again.statusCode, again.body],
      [first.statusCode, first.body],
      `${request.method} ${request.url}`,
    );
    return again;
  }

  async function responseFor(route: Route, status: string): Promise<InjectResponse> {
    const special = route.statuses?.[status];
    if (special !== undefined) {
      const made = await special();
      return 'statusCode' in made ? made : bff.app.inject(made);
    }
    const valid = await route.valid();
    if (/^2/.test(status)) return idempotentWrites.has(route.name) ? replayed(valid) : bff.app.inject(valid);
    const usual = await usualErrors[status]?.(route, valid);
    assert.ok(usual !== undefined, `no request produces ${route.name} ${status}`);
    return usual;
  }

  it('is produced by a request, and matches its status, media type, schema and headers', async () => {
    const documented = operationsOf(generated);
    assert.deepEqual(routes.map((route) => route.name).sort(), documented.map(({ name }) => name).sort());
    for (const route of routes) {
      const { operation } = documented.find(({ name }) => name === route.name) ?? assert.fail(route.name);
      const [method, path] = route.name.split(' ') as [string, string];
      for (const status of Object.keys(route.statuses ?? {})) {
        assert.ok(operation.responses[status], `${route.name} answers ${status}, which is not documented`);
      }
      for (const [status, documentedResponse] of Object.entries(operation.responses)) {
        const what = `${route.name} ${status}`;
        const response = await responseFor(route, status);
        if (status === '5XX') assert.ok(response.statusCode >= 500 && response.statusCode < 600, what);
        else assert.equal(String(response.statusCode), status, `${what}: ${response.body}`);
        for (const header of Object.keys(documentedResponse.headers ?? {})) {
          assert.ok(response.headers[header] !== undefined, `${what}: header ${header}`);
        }
        const [mediaType] = Object.keys(documentedResponse.content ?? {});
        if (mediaType === undefined) {
          assert.equal(response.body, '', what);
          continue;
        }
        assert.equal(String(response.headers['content-type']).split(';')[0], mediaType, what);
        const body = mediaType.startsWith('text/') ? response.body : response.json();
        const schema = schemaPointer(path, method, status, mediaType);
        assert.equal(mismatch(schema, body), undefined, `${what}: ${response.body.slice(0, 300)}`);
      }
    }
  });

  /** The JSON pointer of a response schema in the document (compiled there, so that its $refs resolve). */
  function schemaPointer(path: string, method: string, status: string, mediaType: string): string {
    const escaped = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');
    return `/paths/${escaped(path)}/${method.toLowerCase()}/responses/${status}/content/${escaped(mediaType)}/schema`;
  }
});
