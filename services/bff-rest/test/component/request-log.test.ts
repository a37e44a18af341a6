import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@notes/logger';
import { buildTestBff, type TestBff } from './fakes.ts';

const lines: Record<string, unknown>[] = [];
let bff: TestBff;
before(async () => {
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  bff = await buildTestBff({}, createLogger({ service: 'bff-rest-test', level: 'info', destination }));
});
after(() => bff.app.close());

const linesOf = (requestId: string) => lines.filter((line) => line.request_id === requestId);

describe('the request log', () => {
  it('is one line per request, when it completes: method, URL, status, response time', async () => {
    const { authorization } = await bff.signedInUser();
    const requestId = randomUUID();
    const response = await bff.app.inject({
      method: 'POST',
      url: '/v1/notes',
      payload: { title: 'Groceries', content: 'milk' },
      headers: { authorization, 'x-request-id': requestId },
    });
    assert.equal(response.statusCode, 201);
    const logged = linesOf(requestId);
    assert.equal(logged.length, 1, JSON.stringify(logged));
    const [line] = logged as [Record<string, { [field: string]: unknown }>];
    assert.equal(line.msg, 'request completed');
    assert.equal(line.req?.method, 'POST');
    assert.equal(line.req?.url, '/v1/notes');
    assert.equal(line.res?.statusCode, 201);
    assert.equal(typeof line.responseTime, 'number');
    assert.ok(!JSON.stringify(lines).includes(authorization.slice('Bearer '.length)), 'no access token in the log');
  });

  it('has the same one line for a request answered with a problem', async () => {
    const requestId = randomUUID();
    const response = await bff.app.inject({ url: '/v1/nothing-here', headers: { 'x-request-id': requestId } });
    assert.equal(response.statusCode, 404);
    const logged = linesOf(requestId);
    assert.deepEqual(
      logged.map((line) => [line.msg, (line.res as { statusCode?: number } | undefined)?.statusCode]),
      [['request completed', 404]],
    );
  });
});
