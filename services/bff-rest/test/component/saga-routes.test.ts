import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertFieldErrors, assertProblem, assertStandardHeaders } from './assertions.ts';
import { buildTestBff, type TestBff } from './fakes.ts';

const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let bff: TestBff;
before(async () => {
  bff = await buildTestBff();
});
after(() => bff.app.close());

const deleteMe = (authorization?: string) =>
  bff.app.inject({ method: 'DELETE', url: '/v1/auth/me', headers: authorization ? { authorization } : {} });

const getSaga = (url: string, authorization?: string) =>
  bff.app.inject({ url, headers: authorization ? { authorization } : {} });

/** A caller who asked for their account's deletion, and the status URL they were given. */
async function deletionRequested() {
  const caller = await bff.signedInUser();
  const response = await deleteMe(caller.authorization);
  assert.equal(response.statusCode, 202, response.body);
  return { ...caller, statusUrl: response.json().status_url as string };
}

describe('DELETE /v1/auth/me', () => {
  it('starts the DeleteUserSaga for the caller: 202 with the saga id, its status URL and Location', async () => {
    const caller = await bff.signedInUser();
    const response = await deleteMe(caller.authorization);

    assert.equal(response.statusCode, 202);
    assertStandardHeaders(response);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['saga_id', 'status_url']);
    assert.match(body.saga_id, uuid);
    assert.equal(body.status_url, `/v1/sagas/${body.saga_id}`);
    assert.equal(response.headers.location, body.status_url);

    const call = bff.upstreams.callsTo('StartDeleteUserSaga').at(-1);
    assert.equal(call?.message.userId, caller.userId, 'the user is the token subject');
    assert.equal(call?.timeoutMs, 5_000);
    assert.equal(call?.requestId, response.headers['x-request-id']);
  });

  it('answers 401 without an access token, and starts nothing', async () => {
    const callsBefore = bff.upstreams.callsTo('StartDeleteUserSaga').length;
    const response = await deleteMe();
    assertProblem(response, 401);
    assert.equal(response.headers['www-authenticate'], 'Bearer');
    assertProblem(await deleteMe('Bearer not.a.token'), 401);
    assert.equal(bff.upstreams.callsTo('StartDeleteUserSaga').length, callsBefore);
  });
});

describe('GET /v1/sagas/{id}', () => {
  it("answers 200 with the caller's saga", async () => {
    const { authorization, statusUrl } = await deletionRequested();
    const response = await getSaga(statusUrl, authorization);

    assert.equal(response.statusCode, 200, response.body);
    assertStandardHeaders(response);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['created_at', 'saga_id', 'state', 'step', 'type', 'updated_at']);
    assert.equal(`/v1/sagas/${body.saga_id}`, statusUrl);
    assert.equal(body.type, 'DeleteUserSaga');
    assert.equal(body.state, 'RUNNING');
    assert.equal(typeof body.step, 'string');
    assert.match(body.created_at, isoTime);
    assert.match(body.updated_at, isoTime);
  });

  it("answers someone else's saga with the same 404 as a saga that does not exist", async () => {
    const { statusUrl } = await deletionRequested();
    const stranger = await bff.signedInUser();

    const othersSaga = assertProblem(await getSaga(statusUrl, stranger.authorization), 404);
    const unknownUrl = `/v1/sagas/${randomUUID()}`;
    const unknown = assertProblem(await getSaga(unknownUrl, stranger.authorization), 404);

    assert.deepEqual({ ...othersSaga, instance: unknownUrl }, unknown);
  });

  it('answers 400 naming the id for an id that is not a UUID, without asking the orchestrator', async () => {
    const caller = await bff.signedInUser();
    const callsBefore = bff.upstreams.callsTo('GetSaga').length;
    assertFieldErrors(await getSaga('/v1/sagas/not-a-uuid', caller.authorization), ['id']);
    assert.equal(bff.upstreams.callsTo('GetSaga').length, callsBefore);
  });

  it('answers 401 without an access token', async () => {
    const { statusUrl } = await deletionRequested();
    const response = await getSaga(statusUrl);
    assertProblem(response, 401);
    assert.equal(response.headers['www-authenticate'], 'Bearer');
  });
});
