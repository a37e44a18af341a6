import assert from 'node:assert/strict';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: { field: string; message: string }[];
}

/** Headers every response carries, whatever its status. */
export function assertStandardHeaders(response: InjectResponse): void {
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.match(String(response.headers['x-request-id']), /^[A-Za-z0-9._-]{1,128}$/);
  assert.equal(response.headers['x-powered-by'], undefined);
}

/** A problem+json response of this status, in the contract's shape; returns its body. */
export function assertProblem(response: InjectResponse, status: number): ProblemBody {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  assertStandardHeaders(response);
  assert.equal(response.headers['cache-control'], 'no-store');
  const body = response.json() as ProblemBody;
  assert.equal(body.status, status);
  for (const member of ['type', 'title', 'detail', 'instance'] as const) assert.equal(typeof body[member], 'string');
  const allowed = ['type', 'title', 'status', 'detail', 'instance', 'errors'];
  assert.deepEqual(
    Object.keys(body).filter((key) => !allowed.includes(key)),
    [],
  );
  assert.doesNotMatch(response.body, /\bat .+:\d+:\d+|node_modules|stack/i);
  return body;
}

/** A 400 naming exactly these fields (in any order). */
export function assertFieldErrors(response: InjectResponse, fields: string[]): void {
  const body = assertProblem(response, 400);
  const named = new Set((body.errors ?? []).map((error) => error.field));
  assert.deepEqual([...named].sort(), [...fields].sort(), JSON.stringify(body.errors));
}
