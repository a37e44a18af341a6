import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { NoteOrder, type PatchNoteRequest } from '@notes/contracts/notes/v1';
import { assertFieldErrors, assertProblem, assertStandardHeaders } from './assertions.ts';
import { buildTestBff, type TestBff } from './fakes.ts';

const noteKeys = ['archived', 'content', 'created_at', 'id', 'pinned', 'tags', 'title', 'updated_at', 'version'];
const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let bff: TestBff;
before(async () => {
  bff = await buildTestBff();
});
after(() => bff.app.close());

interface Caller {
  userId: string;
  authorization: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function call(caller: Caller, method: Method, url: string, payload?: object, headers: Record<string, string> = {}) {
  return bff.app.inject({ method, url, payload, headers: { authorization: caller.authorization, ...headers } });
}

async function createNote(caller: Caller, title = 'A title', content = 'Some content') {
  const response = await call(caller, 'POST', '/v1/notes', { title, content });
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { id: string; title: string; content: string; created_at: string; updated_at: string };
}

describe('POST /v1/notes', () => {
  it('creates a note: 201, the note, its Location and ETag', async () => {
    const caller = await bff.signedInUser();
    const response = await call(caller, 'POST', '/v1/notes', { title: 'Groceries', content: 'milk' });
    assert.equal(response.statusCode, 201);
    assertStandardHeaders(response);
    const note = response.json();
    assert.deepEqual(Object.keys(note).sort(), noteKeys);
    assert.deepEqual([note.tags, note.pinned, note.archived, note.version], [[], false, false, 1]);
    assert.equal(note.title, 'Groceries');
    assert.equal(note.content, 'milk');
    assert.match(note.created_at, isoTime);
    assert.match(note.updated_at, isoTime);
    assert.equal(response.headers.location, `/v1/notes/${note.id}`);
    assert.equal(response.headers.etag, '"1"');
  });

  it('defaults content to ""', async () => {
    const caller = await bff.signedInUser();
    const response = await call(caller, 'POST', '/v1/notes', { title: 'Only a title' });
    assert.equal(response.statusCode, 201);
    assert.equal(response.json().content, '');
  });

  it("takes the owner from the token only: a body's owner_id and other fields are ignored", async () => {
    const caller = await bff.signedInUser();
    const someoneElse = randomUUID();
    const response = await call(caller, 'POST', '/v1/notes', {
      title: 'Mine',
      owner_id: someoneElse,
      ownerId: someoneElse,
      id: randomUUID(),
      version: 99,
    });
    assert.equal(response.statusCode, 201);
    const upstream = bff.upstreams.callsTo('CreateNote').at(-1)?.message;
    assert.equal(upstream?.ownerId, caller.userId);
    assert.deepEqual(
      Object.keys(upstream ?? {}).filter((key) => !key.startsWith('$')),
      ['ownerId', 'title', 'content', 'tags', 'pinned', 'archived'],
    );
    assert.deepEqual((await call(await bff.signedInUser(someoneElse), 'GET', '/v1/notes')).json().items, []);
  });

  it('passes tags, pinned and archived on, and answers with them', async () => {
    const caller = await bff.signedInUser();
    const body = { title: 'Tagged', tags: ['b', 'a'], pinned: true, archived: true };
    const response = await call(caller, 'POST', '/v1/notes', body);
    assert.equal(response.statusCode, 201, response.body);
    const upstream = bff.upstreams.callsTo('CreateNote').at(-1)?.message;
    assert.deepEqual([upstream?.tags, upstream?.pinned, upstream?.archived], [['b', 'a'], true, true]);
    const note = response.json();
    assert.deepEqual([note.tags, note.pinned, note.archived], [['a', 'b'], true, true]);
    assert.deepEqual((await call(caller, 'GET', `/v1/notes/${note.id}`)).json(), note);
  });

  it('answers 400 naming a bad tag, whether the BFF or notes-service finds it', async () => {
    const caller = await bff.signedInUser();
    const post = (body: object) => call(caller, 'POST', '/v1/notes', { title: 't', ...body });
    assertFieldErrors(await post({ tags: ['ok', 'ok', 'ok', 5] }), ['tags[3]']);
    assertFieldErrors(await post({ tags: 'work' }), ['tags']);
    assertFieldErrors(await post({ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }), ['tags']);
    assertFieldErrors(await post({ pinned: 'yes' }), ['pinned']);
    assertFieldErrors(await post({ archived: 1 }), ['archived']);
    assertFieldErrors(await post({ tags: ['fine', 'not fine'] }), ['tags[1]']);
  });

  it('answers 400 naming an invalid title or content', async () => {
    const caller = await bff.signedInUser();
    assertFieldErrors(await call(caller, 'POST', '/v1/notes', {}), ['title']);
    assertFieldErrors(await call(caller, 'POST', '/v1/notes', { title: 5 }), ['title']);
    assertFieldErrors(await call(caller, 'POST', '/v1/notes', { title: '' }), ['title']);
    assertFieldErrors(await call(caller, 'POST', '/v1/notes', { title: ' \t\n ' }), ['title']);
    assertFieldErrors(await call(caller, 'POST', '/v1/notes', { title: 'x'.repeat(201) }), ['title']);
    assertFieldErrors(await call(caller, 'POST', '/v1/notes', { title: 'ok', content: false }), ['content']);
    assertFieldErrors(await call(caller, 'POST', '/v1/notes', { title: 'ok', content: 'x'.repeat(100_001) }), [
      'content',
    ]);
  });

  it('says a blank title must not be blank', async () => {
    const caller = await bff.signedInUser();
    const body = assertProblem(await call(caller, 'POST', '/v1/notes', { title: '   ' }), 400);
    assert.deepEqual(body.errors, [{ field: 'title', message: 'must not be blank' }]);
  });
});

describe('GET /v1/notes', () => {
  it('pages through the caller’s notes, newest first, with a cursor', async () => {
    const caller = await bff.signedInUser();
    const titles = ['first', 'second', 'third'];
    for (const title of titles) await createNote(caller, title);

    const first = await call(caller, 'GET', '/v1/notes?limit=2');
    assert.equal(first.statusCode, 200);
    assertStandardHeaders(first);
    const page1 = first.json();
    assert.deepEqual(
      page1.items.map((note: { title: string }) => note.title),
      ['third', 'second'],
    );
    assert.equal(typeof page1.next_cursor, 'string');

    const second = await call(caller, 'GET', `/v1/notes?limit=2&cursor=${encodeURIComponent(page1.next_cursor)}`);
    const page2 = second.json();
    assert.deepEqual(
      page2.items.map((note: { title: string }) => note.title),
      ['first'],
    );
    assert.equal(page2.next_cursor, null);
    assert.deepEqual(Object.keys(page2.items[0]).sort(), noteKeys);
  });

  it('asks for 20 notes by default and ignores unknown parameters', async () => {
    const caller = await bff.signedInUser();
    const response = await call(caller, 'GET', '/v1/notes?owner_id=someone&order=asc');
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { items: [], next_cursor: null });
    const upstream = bff.upstreams.callsTo('ListNotes').at(-1)?.message;
    assert.equal(upstream?.limit, 20);
    assert.equal(upstream?.ownerId, caller.userId);
  });

  it('answers 400 naming limit when it is not an integer from 1 to 100', async () => {
    const caller = await bff.signedInUser();
    for (const limit of ['0', '101', '-1', 'abc', '1.5', '']) {
      assertFieldErrors(await call(caller, 'GET', `/v1/notes?limit=${limit}`), ['limit']);
    }
    assert.equal((await call(caller, 'GET', '/v1/notes?limit=100')).statusCode, 200);
  });

  it('answers 400 naming cursor when notes-service cannot decode it', async () => {
    const caller = await bff.signedInUser();
    assertFieldErrors(await call(caller, 'GET', '/v1/notes?cursor=not-a-cursor'), ['cursor']);
  });

  it('passes archived (false by default), pinned (unset by default) and every tag given to notes-service', async () => {
    const caller = await bff.signedInUser();
    const upstreamFilter = async (query: string) => {
      assert.equal((await call(caller, 'GET', `/v1/notes${query}`)).statusCode, 200, query);
      const message = bff.upstreams.callsTo('ListNotes').at(-1)?.message;
      return [message?.archived, message?.pinned, message?.tag];
    };
    assert.deepEqual(await upstreamFilter(''), [false, undefined, []]);
    assert.deepEqual(await upstreamFilter('?archived=true&pinned=false'), [true, false, []]);
    assert.deepEqual(await upstreamFilter('?archived=false&pinned=true&tag=work'), [false, true, ['work']]);
    assert.deepEqual(await upstreamFilter('?tag=work&tag=%23Home'), [false, undefined, ['work', '#Home']]);
  });

  it('lists archived notes only with archived=true, and filters by pinned and tags', async () => {
    const caller = await bff.signedInUser();
    for (const [title, fields] of [
      ['plain', {}],
      ['pinned', { pinned: true, tags: ['work'] }],
      ['archived', { archived: true, tags: ['work'] }],
    ] as const) {
      assert.equal((await call(caller, 'POST', '/v1/notes', { title, ...fields })).statusCode, 201);
    }
    const titles = async (query: string) =>
      (await call(caller, 'GET', `/v1/notes${query}`)).json().items.map((note: { title: string }) => note.title);
    assert.deepEqual(await titles(''), ['pinned', 'plain']);
    assert.deepEqual(await titles('?archived=true'), ['archived']);
    assert.deepEqual(await titles('?pinned=true'), ['pinned']);
    assert.deepEqual(await titles('?tag=work'), ['pinned']);
  });

  it('answers 400 naming archived, pinned or tag when they are not booleans or more than 20 tags', async () => {
    const caller = await bff.signedInUser();
    assertFieldErrors(await call(caller, 'GET', '/v1/notes?archived=maybe'), ['archived']);
    assertFieldErrors(await call(caller, 'GET', '/v1/notes?pinned=2'), ['pinned']);
    const tooMany = Array.from({ length: 21 }, (_, i) => `tag=t${i}`).join('&');
    assertFieldErrors(await call(caller, 'GET', `/v1/notes?${tooMany}`), ['tag']);
  });

  it('passes q and sort on to notes-service (none and unspecified by default)', async () => {
    const caller = await bff.signedInUser();
    const upstreamSearch = async (query: string) => {
      assert.equal((await call(caller, 'GET', `/v1/notes${query}`)).statusCode, 200, query);
      const message = bff.upstreams.callsTo('ListNotes').at(-1)?.message;
      return [message?.q, message?.sort];
    };
    assert.deepEqual(await upstreamSearch(''), ['', NoteOrder.UNSPECIFIED]);
    assert.deepEqual(await upstreamSearch('?q=bu%20mil'), ['bu mil', NoteOrder.UNSPECIFIED]);
    assert.deepEqual(await upstreamSearch('?q=%D0%BC%D0%BE%D0%BB%D0%BE%D0%BA%D0%BE&sort=newest'), [
      'молоко',
      NoteOrder.NEWEST,
    ]);
    assert.deepEqual(await upstreamSearch('?q=%22buy%20milk%22%20-oat&sort=relevance'), [
      '"buy milk" -oat',
      NoteOrder.RELEVANCE,
    ]);
    assert.deepEqual(await upstreamSearch('?sort=newest'), ['', NoteOrder.NEWEST]);
  });

  it('answers 400 naming q or sort when the BFF or notes-service refuses them', async () => {
    const caller = await bff.signedInUser();
    assertFieldErrors(await call(caller, 'GET', '/v1/notes?q='), ['q']);
    assertFieldErrors(await call(caller, 'GET', `/v1/notes?q=${'я'.repeat(201)}`), ['q']);
    assert.equal((await call(caller, 'GET', `/v1/notes?q=${'я'.repeat(200)}`)).statusCode, 200);
    assertFieldErrors(await call(caller, 'GET', '/v1/notes?q=milk&sort=oldest'), ['sort']);
    assertFieldErrors(await call(caller, 'GET', '/v1/notes?sort=relevance'), ['sort']);
  });

  it('answers 400 naming the tag that notes-service refuses', async () => {
    const caller = await bff.signedInUser();
    assertFieldErrors(await call(caller, 'GET', '/v1/notes?tag=work&tag=no%20spaces'), ['tag[1]']);
  });
});

describe('GET /v1/notes/{id}', () => {
  it('answers the note with its ETag', async () => {
    const caller = await bff.signedInUser();
    const created = await createNote(caller);
    const response = await call(caller, 'GET', `/v1/notes/${created.id}`);
    assert.equal(response.statusCode, 200);
    assertStandardHeaders(response);
    assert.deepEqual(response.json(), created);
    assert.equal(response.headers.etag, '"1"');
  });

  it('answers 404 for a missing note and for someone else’s', async () => {
    const caller = await bff.signedInUser();
    const stranger = await bff.signedInUser();
    const created = await createNote(caller);
    assertProblem(await call(caller, 'GET', `/v1/notes/${randomUUID()}`), 404);
    assertProblem(await call(stranger, 'GET', `/v1/notes/${created.id}`), 404);
  });

  it('answers 400 naming id for a malformed id', async () => {
    const caller = await bff.signedInUser();
    for (const id of ['not-a-uuid', '123', `${randomUUID()}x`]) {
      assertFieldErrors(await call(caller, 'GET', `/v1/notes/${id}`), ['id']);
    }
  });
});

describe('PUT /v1/notes/{id}', () => {
  it('replaces title and content: 200, the note, a new ETag', async () => {
    const caller = await bff.signedInUser();
    const created = await createNote(caller);
    const response = await call(caller, 'PUT', `/v1/notes/${created.id}`, { title: 'New', content: 'Text' });
    assert.equal(response.statusCode, 200);
    assertStandardHeaders(response);
    const updated = response.json();
    assert.equal(updated.id, created.id);
    assert.equal(updated.title, 'New');
    assert.equal(updated.content, 'Text');
    assert.equal(updated.created_at, created.created_at);
    assert.match(updated.updated_at, isoTime);
    assert.equal(response.headers.etag, '"2"');
    assert.equal(bff.upstreams.callsTo('UpdateNote').at(-1)?.message.expectedVersion, 0n);
  });

  it('replaces tags, pinned and archived: one left out takes its default', async () => {
    const caller = await bff.signedInUser();
    const created = (await call(caller, 'POST', '/v1/notes', { title: 't', tags: ['a'], pinned: true })).json();
    const put = (body: object) => call(caller, 'PUT', `/v1/notes/${created.id}`, { title: 't', content: '', ...body });
    const archived = (await put({ tags: ['x', 'y'], archived: true })).json();
    assert.deepEqual(
      [archived.tags, archived.pinned, archived.archived, archived.version],
      [['x', 'y'], false, true, 2],
    );
    const bare = (await put({})).json();
    assert.deepEqual([bare.tags, bare.pinned, bare.archived, bare.version], [[], false, false, 3]);
    assertFieldErrors(await put({ tags: [null] }), ['tags[0]']);
  });

  it('updates only while If-Match names the current ETag, else 412', async () => {
    const caller = await bff.signedInUser();
    const { id } = await createNote(caller);
    const update = (ifMatch: string) =>
      call(caller, 'PUT', `/v1/notes/${id}`, { title: 't', content: 'c' }, { 'if-match': ifMatch });

    const first = await update('"1"');
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers.etag, '"2"');
    assertProblem(await update('"1"'), 412);
    assertProblem(await update('W/"2"'), 412);
    assertProblem(await update('garbage'), 412);
    assertProblem(await update('"1", "3"'), 412);
    assert.equal((await update('"1", "2"')).headers.etag, '"3"');
    assert.equal((await update('*')).headers.etag, '"4"');
    assert.equal((await update('"4"')).statusCode, 200);
  });

  it('answers 400 naming missing fields, 400 for a malformed id, 404 for a missing note', async () => {
    const caller = await bff.signedInUser();
    const { id } = await createNote(caller);
    assertFieldErrors(await call(caller, 'PUT', `/v1/notes/${id}`, { title: 'no content' }), ['content']);
    assertFieldErrors(await call(caller, 'PUT', '/v1/notes/nope', { title: 't', content: 'c' }), ['id']);
    assertProblem(await call(caller, 'PUT', `/v1/notes/${randomUUID()}`, { title: 't', content: 'c' }), 404);
  });

  it("cannot change someone else's note", async () => {
    const caller = await bff.signedInUser();
    const stranger = await bff.signedInUser();
    const { id } = await createNote(caller, 'original');
    assertProblem(
      await call(stranger, 'PUT', `/v1/notes/${id}`, { title: 'mine now', content: '', owner_id: stranger.userId }),
      404,
    );
    assert.equal((await call(caller, 'GET', `/v1/notes/${id}`)).json().title, 'original');
  });
});

describe('PATCH /v1/notes/{id}', () => {
  const mergePatch = { 'content-type': 'application/merge-patch+json' };
  const patch = (caller: Caller, id: string, body: unknown, headers: Record<string, string> = {}) =>
    bff.app.inject({
      method: 'PATCH',
      url: `/v1/notes/${id}`,
      payload: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { authorization: caller.authorization, ...mergePatch, ...headers },
    });

  it('changes only the fields given: 200, the note, a new ETag; null restores a default', async () => {
    const caller = await bff.signedInUser();
    const created = (
      await call(caller, 'POST', '/v1/notes', { title: 'keep', content: 'body', tags: ['a'], pinned: true })
    ).json();
    const response = await patch(caller, created.id, { archived: true, tags: ['b', 'a'] });
    assert.equal(response.statusCode, 200, response.body);
    assertStandardHeaders(response);
    assert.equal(response.headers.etag, '"2"');
    const patched = response.json();
    assert.deepEqual(
      [patched.title, patched.content, patched.tags, patched.pinned, patched.archived, patched.version],
      ['keep', 'body', ['a', 'b'], true, true, 2],
    );
    const upstream = bff.upstreams.callsTo('PatchNote').at(-1)?.message as PatchNoteRequest | undefined;
    assert.deepEqual(
      [upstream?.title, upstream?.content, upstream?.tags?.tags, upstream?.pinned, upstream?.archived],
      [undefined, undefined, ['b', 'a'], undefined, true],
      'only the fields given go upstream',
    );

    const nulls = (await patch(caller, created.id, { content: null, tags: null, pinned: null })).json();
    assert.deepEqual([nulls.content, nulls.tags, nulls.pinned, nulls.archived], ['', [], false, true]);
  });

  it('honours If-Match as PUT does', async () => {
    const caller = await bff.signedInUser();
    const { id } = await createNote(caller);
    assert.equal((await patch(caller, id, { pinned: true }, { 'if-match': '"1"' })).statusCode, 200);
    assertProblem(await patch(caller, id, { pinned: false }, { 'if-match': '"1"' }), 412);
    assert.equal((await call(caller, 'GET', `/v1/notes/${id}`)).json().pinned, true);
  });

  it('answers 415 for any other content type, JSON included', async () => {
    const caller = await bff.signedInUser();
    const { id } = await createNote(caller);
    const callsBefore = bff.upstreams.callsTo('PatchNote').length;
    assertProblem(await patch(caller, id, { pinned: true }, { 'content-type': 'application/json' }), 415);
    assertProblem(await patch(caller, id, 'pinned', { 'content-type': 'text/plain' }), 415);
    assert.equal(bff.upstreams.callsTo('PatchNote').length, callsBefore, 'nothing reached notes-service');
  });

  it('answers 400 naming the field for a bad patch, malformed JSON, a removed title or a bad tag', async () => {
    const caller = await bff.signedInUser();
    const { id } = await createNote(caller);
    assertFieldErrors(await patch(caller, id, { title: null }), ['title']);
    assertFieldErrors(await patch(caller, id, { title: '  ' }), ['title']);
    assertFieldErrors(await patch(caller, id, { tags: ['ok', 3] }), ['tags[1]']);
    assertFieldErrors(await patch(caller, id, { pinned: 'yes' }), ['pinned']);
    assertFieldErrors(await patch(caller, id, { tags: ['fine', 'not fine'] }), ['tags[1]']);
    assertProblem(await patch(caller, id, '{"title": '), 400);
    assertProblem(await patch(caller, id, '[1, 2]'), 400);
    assertProblem(await patch(caller, randomUUID(), { pinned: true }), 404);
  });
});

describe('DELETE /v1/notes/{id}', () => {
  it('deletes with 204 and no body; the note is then 404', async () => {
    const caller = await bff.signedInUser();
    const { id } = await createNote(caller);
    const response = await call(caller, 'DELETE', `/v1/notes/${id}`);
    assert.equal(response.statusCode, 204);
    assert.equal(response.body, '');
    assertStandardHeaders(response);
    assertProblem(await call(caller, 'GET', `/v1/notes/${id}`), 404);
    assertProblem(await call(caller, 'DELETE', `/v1/notes/${id}`), 404);
  });

  it('answers 400 for a malformed id and 404 for someone else’s note', async () => {
    const caller = await bff.signedInUser();
    const stranger = await bff.signedInUser();
    const { id } = await createNote(caller);
    assertFieldErrors(await call(caller, 'DELETE', '/v1/notes/nope'), ['id']);
    assertProblem(await call(stranger, 'DELETE', `/v1/notes/${id}`), 404);
    assert.equal((await call(caller, 'GET', `/v1/notes/${id}`)).statusCode, 200);
  });
});

describe('upstream calls', () => {
  it('carry a deadline and the request id', async () => {
    const caller = await bff.signedInUser();
    const response = await call(caller, 'POST', '/v1/notes', { title: 'traced' }, { 'x-request-id': 'trace-me-1' });
    assert.equal(response.headers['x-request-id'], 'trace-me-1');
    const upstream = bff.upstreams.callsTo('CreateNote').at(-1);
    assert.equal(upstream?.requestId, 'trace-me-1');
    for (const recorded of bff.upstreams.calls) {
      assert.ok(recorded.timeoutMs !== undefined && recorded.timeoutMs <= 5_000, recorded.method);
    }
  });
});
