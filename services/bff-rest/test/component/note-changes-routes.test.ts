import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertProblem, assertStandardHeaders } from './assertions.ts';
import { buildTestBff, type TestBff } from './fakes.ts';

let bff: TestBff;
before(async () => {
  bff = await buildTestBff();
});
after(() => bff.app.close());

async function createNote(authorization: string, title: string): Promise<{ id: string }> {
  const response = await bff.app.inject({
    method: 'POST',
    url: '/v1/notes',
    payload: { title, tags: ['feed'] },
    headers: { authorization },
  });
  return response.json();
}

describe('GET /v1/notes/changes', () => {
  it("answers the caller's changes as the API's change objects, asking for the caller only", async () => {
    const caller = await bff.signedInUser();
    const kept = await createNote(caller.authorization, 'kept');
    const deleted = await createNote(caller.authorization, 'deleted');
    await bff.app.inject({
      method: 'DELETE',
      url: `/v1/notes/${deleted.id}`,
      headers: { authorization: caller.authorization },
    });

    const full = await bff.app.inject({ url: '/v1/notes/changes', headers: { authorization: caller.authorization } });
    assert.equal(full.statusCode, 200, full.body);
    assertStandardHeaders(full);
    const body = full.json();
    assert.deepEqual(
      body.changes.map((change: { op: string; note: { id: string; tags: string[] } }) => [
        change.op,
        change.note.id,
        change.note.tags,
      ]),
      [['upsert', kept.id, ['feed']]],
    );
    assert.equal(typeof body.next_cursor, 'string');
    assert.equal(body.has_more, false);
    const call = bff.upstreams.callsTo('ListNoteChanges').at(-1);
    assert.deepEqual([call?.message.ownerId, call?.message.limit, call?.message.cursor], [caller.userId, 100, '']);

    const after = await bff.app.inject({
      url: '/v1/notes/changes?cursor=feed:1&limit=5',
      headers: { authorization: caller.authorization },
    });
    assert.deepEqual(after.json(), {
      changes: [{ op: 'delete', id: deleted.id, version: 1 }],
      next_cursor: 'feed:2',
      has_more: false,
    });
    assert.equal(bff.upstreams.callsTo('ListNoteChanges').at(-1)?.message.limit, 5);
  });

  it('is 400 naming limit out of 1..500, or a cursor that does not decode', async () => {
    const { authorization } = await bff.signedInUser();
    for (const limit of ['0', '501', 'x']) {
      const response = await bff.app.inject({ url: `/v1/notes/changes?limit=${limit}`, headers: { authorization } });
      assert.deepEqual(
        assertProblem(response, 400).errors?.map((error) => error.field),
        ['limit'],
        limit,
      );
    }
    const response = await bff.app.inject({ url: '/v1/notes/changes?cursor=bogus', headers: { authorization } });
    assert.deepEqual(
      assertProblem(response, 400).errors?.map((error) => error.field),
      ['cursor'],
    );
  });

  it('is 410 for a cursor past the retention of deletion markers, and 401 without a token', async () => {
    const { authorization } = await bff.signedInUser();
    const gone = await bff.app.inject({ url: '/v1/notes/changes?cursor=feed:expired', headers: { authorization } });
    assert.match(assertProblem(gone, 410).detail, /start again without/);
    assertProblem(await bff.app.inject({ url: '/v1/notes/changes' }), 401);
  });

  it('is not taken for a note id: other methods are 405 with Allow GET, HEAD (before authentication), deeper paths 404', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST'] as const) {
      const response = await bff.app.inject({ method, url: '/v1/notes/changes', payload: {} });
      assertProblem(response, 405);
      assert.equal(response.headers.allow, 'GET, HEAD', method);
    }
    const { authorization } = await bff.signedInUser();
    assertProblem(await bff.app.inject({ url: '/v1/notes/changes/more', headers: { authorization } }), 404);
    const note = await bff.app.inject({ url: `/v1/notes/${randomUUID()}`, headers: { authorization } });
    assertProblem(note, 404);
    const allowed = await bff.app.inject({ method: 'POST', url: `/v1/notes/${randomUUID()}` });
    assert.equal(allowed.headers.allow, 'DELETE, GET, HEAD, PATCH, PUT', 'a note path still serves what it did');
  });
});
