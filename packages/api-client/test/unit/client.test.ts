import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorization, createNotesApiClient, dataOrThrow, ProblemError } from '../../src/index.ts';

// The requests the client makes, answered by a function instead of a server: no I/O.
function recording(answer: (request: Request) => Response) {
  const requests: Request[] = [];
  const fetch = async (request: Request) => {
    requests.push(request);
    return answer(request);
  };
  return { requests, fetch };
}

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

const note = { id: 'n1', title: 'Buy milk', content: '', tags: [], pinned: false, version: 1 };

test('the token authenticates every request, and a request may name another user', async () => {
  const { requests, fetch } = recording(() => json(200, { items: [], next_cursor: null }));
  let token = 'first';
  const api = createNotesApiClient('http://bff.test', { token: () => token, fetch });
  await api.GET('/v1/notes');
  token = 'refreshed';
  await api.GET('/v1/notes', { params: { query: { limit: 5, tag: ['home'] } } });
  await api.GET('/v1/notes', { headers: authorization('someone-else') });
  assert.deepEqual(
    requests.map((request) => [request.url, request.headers.get('authorization')]),
    [
      ['http://bff.test/v1/notes', 'Bearer first'],
      ['http://bff.test/v1/notes?limit=5&tag=home', 'Bearer refreshed'],
      ['http://bff.test/v1/notes', 'Bearer someone-else'],
    ],
  );
});

test('a body and path parameters go where the document puts them, a PATCH body as a merge patch', async () => {
  const { requests, fetch } = recording(() => json(200, note));
  const api = createNotesApiClient('http://bff.test', { fetch });
  await api.PATCH('/v1/notes/{id}', { params: { path: { id: 'n 1' } }, body: { pinned: true } });
  const [request] = requests;
  assert.equal(request?.method, 'PATCH');
  assert.equal(request?.url, 'http://bff.test/v1/notes/n%201');
  assert.equal(request?.headers.get('content-type'), 'application/merge-patch+json');
  assert.deepEqual(await request?.json(), { pinned: true });
});

test('dataOrThrow gives the body of a success and throws the problem of an error', async () => {
  const problem = { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'title: too long', instance: '/' };
  const { fetch } = recording((request) =>
    request.method === 'POST' ? json(400, problem, 'application/problem+json') : json(200, note),
  );
  const api = createNotesApiClient('http://bff.test', { fetch });
  assert.deepEqual(dataOrThrow(await api.GET('/v1/notes/{id}', { params: { path: { id: 'n1' } } })), note);
  const error = await Promise.resolve()
    .then(async () => dataOrThrow(await api.POST('/v1/notes', { body: { title: 'x' } })))
    .catch((thrown: unknown) => thrown);
  assert.ok(error instanceof ProblemError);
  assert.equal(error.status, 400);
  assert.deepEqual(error.problem, problem);
  assert.match(error.message, /^400 title: too long/);
});

test('an error answer that is not a problem still throws, with no problem attached', async () => {
  const { fetch } = recording(() => new Response('upstream down', { status: 502 }));
  const api = createNotesApiClient('http://bff.test', { fetch });
  const result = await api.GET('/readyz');
  assert.throws(
    () => dataOrThrow(result),
    (error: unknown) => error instanceof ProblemError && !error.problem,
  );
});

test("an error keeps its answer's headers: a 429's Retry-After", async () => {
  const problem = { type: 'about:blank', title: 'Too Many Requests', status: 429, detail: 'wait', instance: '/' };
  const { fetch } = recording(
    () =>
      new Response(JSON.stringify(problem), {
        status: 429,
        headers: { 'content-type': 'application/problem+json', 'retry-after': '7' },
      }),
  );
  const api = createNotesApiClient('http://bff.test', { fetch });
  const error = await Promise.resolve()
    .then(async () => dataOrThrow(await api.GET('/v1/tags')))
    .catch((thrown: unknown) => thrown);
  assert.ok(error instanceof ProblemError);
  assert.equal(error.headers.get('retry-after'), '7');
});
