// Idempotency-Key at the BFF: the key goes to notes-service with a fingerprint of the request
// (method, path, body bytes) that tells a repeated request from another; a malformed key is a 400
// naming the header that calls nothing; notes-service's answers for a key in flight or reused are
// 409 and 422; a request without the header carries no idempotency at all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { IdempotencyKeyReusedSchema } from '@notes/contracts/notes/v1';
import { assertFieldErrors, assertProblem } from './assertions.ts';
import { buildTestBff, type TestBff } from './fakes.ts';

let bff: TestBff;
before(async () => {
  bff = await buildTestBff();
});
after(() => bff.app.close());

type Idempotency = { key: string; fingerprint: Uint8Array } | undefined;

/** The idempotency notes-service got with the latest call to `method`. */
function sentIdempotency(method: string): Idempotency {
  return bff.upstreams.callsTo(method).at(-1)?.message.idempotency as Idempotency;
}

const hex = (idempotency: Idempotency) => Buffer.from(idempotency?.fingerprint ?? []).toString('hex');

describe('Idempotency-Key', () => {
  it('goes to notes-service with a fingerprint that is the same for the same request and differs for another', async () => {
    const caller = await bff.signedInUser();
    const post = async (payload: string, key = 'key-1') => {
      const response = await bff.app.inject({
        method: 'POST',
        url: '/v1/notes',
        payload,
        headers: { authorization: caller.authorization, 'content-type': 'application/json', 'idempotency-key': key },
      });
      assert.equal(response.statusCode, 201, response.body);
      return sentIdempotency('CreateNote');
    };
    const first = await post('{"title":"a"}');
    assert.equal(first?.key, 'key-1');
    assert.equal(first?.fingerprint.length, 32, 'SHA-256');
    assert.equal(hex(await post('{"title":"a"}')), hex(first));
    assert.notEqual(hex(await post('{"title": "a"}')), hex(first), 'the body as sent, byte for byte');
    assert.equal(hex(await post('{"title":"a"}', 'key-2')), hex(first), 'the key is not part of the request');
  });

  it('is sent for PUT, PATCH and DELETE too, with their method and path in the fingerprint', async () => {
    const caller = await bff.signedInUser();
    const created = await bff.app.inject({
      method: 'POST',
      url: '/v1/notes',
      payload: { title: 'n' },
      headers: { authorization: caller.authorization },
    });
    const path = `/v1/notes/${created.json().id}`;
    const fingerprints = new Set<string>();
    for (const [method, rpc, payload, contentType] of [
      ['PUT', 'UpdateNote', '{"title":"n","content":""}', 'application/json'],
      ['PATCH', 'PatchNote', '{"title":"n"}', 'application/merge-patch+json'],
      ['DELETE', 'DeleteNote', undefined, undefined],
    ] as const) {
      const response = await bff.app.inject({
        method,
        url: path,
        payload,
        headers: {
          authorization: caller.authorization,
          'idempotency-key': method,
          ...(contentType === undefined ? {} : { 'content-type': contentType }),
        },
      });
      assert.ok(response.statusCode < 300, `${method}: ${response.body}`);
      const sent = sentIdempotency(rpc);
      assert.equal(sent?.key, method);
      fingerprints.add(hex(sent));
    }
    assert.equal(fingerprints.size, 3);
  });

  it('is not sent, and nothing is hashed, for a request without the header', async () => {
    const caller = await bff.signedInUser();
    await bff.app.inject({
      method: 'POST',
      url: '/v1/notes',
      payload: { title: 'no key' },
      headers: { authorization: caller.authorization },
    });
    assert.equal(sentIdempotency('CreateNote'), undefined);
  });

  it('malformed is a 400 naming the header, and nothing is called', async () => {
    const caller = await bff.signedInUser();
    const before = bff.upstreams.callsTo('CreateNote').length;
    for (const key of ['', 'two words', 'x'.repeat(256), 'tab\tkey']) {
      const response = await bff.app.inject({
        method: 'POST',
        url: '/v1/notes',
        payload: { title: 't' },
        headers: { authorization: caller.authorization, 'idempotency-key': key },
      });
      assertProblem(response, 400);
      assertFieldErrors(response, ['idempotency-key']);
    }
    assert.equal(bff.upstreams.callsTo('CreateNote').length, before);
  });

  it('is a 409 while notes-service says its first request is in flight, and a 422 when it was used with another request', async () => {
    const caller = await bff.signedInUser();
    const post = () =>
      bff.app.inject({
        method: 'POST',
        url: '/v1/notes',
        payload: { title: 't' },
        headers: { authorization: caller.authorization, 'idempotency-key': 'k' },
      });
    const inFlight = new ConnectError('in flight', Code.Aborted);
    assertProblem(await bff.upstreams.withFault('notes', { kind: 'fail', error: inFlight }, post), 409);
    const reused = new ConnectError('reused', Code.FailedPrecondition, undefined, [
      { desc: IdempotencyKeyReusedSchema, value: { key: 'k' } },
    ]);
    assertProblem(await bff.upstreams.withFault('notes', { kind: 'fail', error: reused }, post), 422);
  });
});
