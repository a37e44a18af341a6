// A schema-based fuzzer over the OpenAPI document the platform serves: requests generated from the
// document's own schemas (valid ones, and ones with any member wrong, missing or undeclared; with
// a valid, a missing or a forged access token) go to every documented operation of the whole
// platform, and no answer may be a server error or contradict the document: its status is
// documented for the operation, its media type is the documented one and its body matches the
// documented schema, with the documented headers. A fixed number of cases from a fixed seed: a
// failure prints the seed and path that replay it (fc.assert's `seed` and `path` options).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import fc from 'fast-check';
import { apiClient } from './api.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';
import { type JsonSchema, valuesOf } from './schema-values.ts';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}
interface DocumentedResponse {
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, { schema: JsonSchema }>;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, DocumentedResponse>;
  security?: unknown[];
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

interface FuzzRequest {
  method: string;
  /** The documented path, e.g. /v1/notes/{id}. */
  path: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

const password = 'correct horse battery';
const seed = 16;
const cases = 400;
/** Ends the account every other case uses: the saga tests cover it. */
const skipped = new Set(['DELETE /v1/auth/me']);

let platform: RunningPlatform;
let document: OpenApiDocument;
let token: string;
/** The caller's credentials and valid tags, which generated bodies sometimes carry (else sign-in, refresh and note writes never succeed). */
let known: Record<string, unknown[]>;
/** Notes of the caller: path values often name one, so that reads and writes of a note also succeed. */
let noteIds: string[];
/** The operations ("POST /v1/notes") that answered a 2xx at least once. */
const succeeded = new Set<string>();
/** Why a body does not match the schema at this JSON pointer of the document; undefined when it does. */
let mismatch: (pointer: string, body: unknown) => string | undefined;

before(async () => {
  platform = await startTestPlatform({
    // Hundreds of requests from one address: the per-IP limits would turn most into 429s.
    serviceEnv: {
      bff: { RATE_LIMIT_PER_IP_MAX: '1000000', RATE_LIMIT_FAILED_SIGN_INS_PER_IP_MAX: '1000000' },
    },
  });
  const api = apiClient(platform.bffUrl);
  const user = await api.signedInUser(password);
  token = user.token;
  known = {
    email: [user.email],
    password: [password],
    refresh_token: [user.refreshToken],
    // Only notes-service judges a tag's text, so the document has no pattern to generate tags from.
    tags: [[], ['work', ' #Home ']],
  };
  noteIds = [];
  for (let i = 0; i < 20; i++) {
    noteIds.push((await api.call('POST', '/v1/notes', { token, body: { title: `Fuzzed ${i}` } })).json.id);
  }
  document = (await api.call('GET', '/openapi.json')).json;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  formats.default(ajv);
  ajv.addSchema(document, 'openapi.json');
  mismatch = (pointer, body) => {
    const check = ajv.compile({ $ref: `openapi.json#${pointer}` });
    return check(body) ? undefined : ajv.errorsText(check.errors);
  };
});
after(async () => {
  await platform?.close();
});

/** Printable ASCII (what a header value may hold), as a client may send it. */
const headerText = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)) });

/** Requests for one operation, from the document's schemas of its parameters and body. */
function requestsFor(path: string, method: string, operation: Operation): fc.Arbitrary<FuzzRequest> {
  const components = document.components.schemas;
  const parameters = operation.parameters ?? [];
  const inPath = parameters.filter((parameter) => parameter.in === 'path');
  const pathValues = fc.record(
    Object.fromEntries(
      inPath.map(({ name, schema }) => [
        name,
        fc.oneof(
          { weight: 3, arbitrary: valuesOf(schema, { mode: 'valid', components }).map(String) },
          { weight: 3, arbitrary: fc.constantFrom(...noteIds) },
          { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
        ),
      ]),
    ),
  );
  const queryAndHeaders = parameters.filter((parameter) => parameter.in !== 'path');
  const valuesByName = Object.fromEntries(
    queryAndHeaders.map(({ name, schema, in: where }) => [
      name,
      name === 'idempotency-key'
        ? // Mostly fresh: every case is one user's, and a key used again with another request is a 422.
          fc.oneof({ weight: 3, arbitrary: fc.uuid() }, { weight: 1, arbitrary: headerText })
        : where === 'header'
          ? fc.oneof(headerText, fc.constant('*'), fc.constant('"1"'))
          : fc.oneof(valuesOf(schema, { mode: 'mixed', components }), fc.string()),
    ]),
  );
  const required = queryAndHeaders.filter((parameter) => parameter.required).map(({ name }) => name);
  const otherValues = fc.oneof(
    { weight: 4, arbitrary: fc.record(valuesByName, { requiredKeys: required }) },
    // Sometimes only the required ones: with several optional parameters (the list filters), each
    // often invalid, an operation would seldom get past the validation otherwise.
    {
      weight: 1,
      arbitrary: fc.record(
        Object.fromEntries(Object.entries(valuesByName).filter(([name]) => required.includes(name))),
      ),
    },
  );
  const bodySchema = operation.requestBody?.content['application/json']?.schema;
  const bodies =
    bodySchema === undefined
      ? fc.constant(undefined)
      : fc.option(
          // Valid bodies as well as mixed ones: with a few optional members, a mixed body is rarely
          // valid throughout, and the writes would only ever reach validation.
          fc.oneof(
            valuesOf(bodySchema, { mode: 'valid', components, known }),
            valuesOf(bodySchema, { mode: 'mixed', components, known }),
          ),
          { freq: 20, nil: undefined },
        );
  const authorization =
    operation.security === undefined
      ? fc.constant(undefined)
      : fc.oneof(
          { weight: 8, arbitrary: fc.constant(`Bearer ${token}`) },
          { weight: 1, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: headerText.map((text) => `Bearer ${text}`) },
        );
  return fc.record({ pathValues, otherValues, body: bodies, authorization }).map((generated) => {
    const url = path.replace(/\{([^}]+)\}/g, (_, name: string) =>
      encodeURIComponent(String(generated.pathValues[name])),
    );
    const query = new URLSearchParams();
    const headers: Record<string, string> = {};
    for (const { name, in: where } of queryAndHeaders) {
      const value = generated.otherValues[name];
      if (value === undefined) continue;
      if (where === 'header') headers[name] = String(value);
      // An array is a repeated parameter (?tag=a&tag=b).
      else for (const item of [value].flat()) query.append(name, String(item));
    }
    if (generated.authorization !== undefined) headers.authorization = generated.authorization;
    const request: FuzzRequest = {
      method: method.toUpperCase(),
      path,
      url: `${url}${query.size > 0 ? `?${query}` : ''}`,
      headers,
    };
    if (generated.body !== undefined) {
      headers['content-type'] = 'application/json';
      request.body = JSON.stringify(generated.body);
    }
    return request;
  });
}

/** What in the answer to `request` contradicts the document; undefined when nothing does. */
async function contradiction(request: FuzzRequest): Promise<string | undefined> {
  const response = await fetch(`${platform.bffUrl}${request.url}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  // An event stream lasts as long as its access token: its status and headers are what is checked.
  const streamed = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
  if (streamed) await response.body?.cancel();
  const text = streamed ? '' : await response.text();
  const status = String(response.status);
  if (response.ok) succeeded.add(`${request.method} ${request.path}`);
  if (response.status >= 500) return `a server error, ${status}: ${text}`;
  const operation = document.paths[request.path]?.[request.method.toLowerCase()] ?? assert.fail(request.path);
  const key = [status, `${status[0]}XX`, 'default'].find((candidate) => operation.responses[candidate] !== undefined);
  if (key === undefined) return `status ${status}, not documented: ${text.slice(0, 300)}`;
  const documented = operation.responses[key] as DocumentedResponse;
  for (const [header, { required }] of Object.entries(documented.headers ?? {})) {
    if (required && !response.headers.has(header)) return `status ${status} without its required header ${header}`;
  }
  const mediaTypes = Object.keys(documented.content ?? {});
  if (mediaTypes.length === 0) return text === '' ? undefined : `status ${status} has a body, documented as empty`;
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0] ?? '';
  if (!mediaTypes.includes(mediaType)) return `status ${status} is ${mediaType}, documented as ${mediaTypes}`;
  const body = mediaType.endsWith('json') ? JSON.parse(text) : text;
  const escaped = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');
  const pointer = `/paths/${escaped(request.path)}/${request.method.toLowerCase()}/responses/${key}/content/${escaped(mediaType)}/schema`;
  const why = mismatch(pointer, body);
  return why === undefined
    ? undefined
    : `status ${status} body does not match the document (${why}): ${text.slice(0, 300)}`;
}

describe('the documented API, fuzzed from its OpenAPI document', () => {
  test(`${cases} generated requests: no server error, no answer the document does not describe`, async () => {
    const operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod)
        .filter(([method]) => !skipped.has(`${method.toUpperCase()} ${path}`))
        .map(([method, operation]) => requestsFor(path, method, operation)),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(...operations), async (request) => {
        const found = await contradiction(request);
        assert.equal(found, undefined, `${request.method} ${request.url} ${request.body ?? ''}: ${found}`);
      }),
      { seed, numRuns: cases },
    );
    // Else the cases only ever reached the validation: they would find nothing past it.
    for (const operation of [
      'POST /v1/auth/sign-up',
      'POST /v1/auth/sign-in',
      'POST /v1/notes',
      'GET /v1/notes',
      'GET /v1/notes/{id}',
      'PUT /v1/notes/{id}',
    ]) {
      assert.ok(succeeded.has(operation), `no generated request succeeded on ${operation}: ${[...succeeded]}`);
    }
  });

  test('a documented path asked with a method it does not document: 405, Allow naming what it documents', async () => {
    const paths = Object.keys(document.paths);
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.constantFrom(...methods), async (path, method) => {
        const documented = Object.keys(document.paths[path] ?? {}).map((name) => name.toUpperCase());
        fc.pre(!documented.includes(method));
        const url = path.replace(/\{[^}]+\}/g, noteIds[0] ?? '');
        const response = await fetch(`${platform.bffUrl}${url}`, {
          method,
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(response.status, 405, `${method} ${url}`);
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
        const served = documented.includes('GET') ? [...documented, 'HEAD'] : documented;
        assert.deepEqual(response.headers.get('allow')?.split(', '), served.sort(), `${method} ${url}`);
      }),
      { seed, numRuns: 60 },
    );
  });
});
