// The list filters of GET /v1/notes through the public API, down to notes-service's database:
// archived notes leave the default list, pinned and tag narrow it, and pages under a filter walk
// every match once with a cursor that serves that filter only.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, assertProblem } from './api.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

describe('GET /v1/notes filters', () => {
  let platform: RunningPlatform;
  before(async () => {
    platform = await startTestPlatform();
  });
  after(async () => {
    await platform?.close();
  });

  test('an archived note leaves the default list and is listed with archived=true', async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    const welcome = await api.welcomeNoteId(token);
    const created = await api.call('POST', '/v1/notes', { token, body: { title: 'to archive' } });
    assert.equal(created.status, 201, created.text);
    const ids = async (query: string) =>
      (await api.call('GET', `/v1/notes${query}`, { token })).json.items.map((note: { id: string }) => note.id);
    assert.deepEqual(await ids(''), [created.json.id, welcome]);

    const archived = await api.call('PATCH', `/v1/notes/${created.json.id}`, {
      token,
      headers: { 'content-type': 'application/merge-patch+json' },
      body: { archived: true },
    });
    assert.equal(archived.status, 200, archived.text);
    assert.deepEqual(await ids(''), [welcome]);
    assert.deepEqual(await ids('?archived=false'), [welcome]);
    assert.deepEqual(await ids('?archived=true'), [created.json.id]);
  });

  test('pinned and tag narrow the list; a bad tag or boolean is a 400 naming it', async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    await api.welcomeNoteId(token);
    for (const body of [
      { title: 'pinned work', pinned: true, tags: ['work'] },
      { title: 'work home', tags: ['#Work', 'home'] },
      { title: 'archived work', tags: ['work'], archived: true },
    ]) {
      assert.equal((await api.call('POST', '/v1/notes', { token, body })).status, 201);
    }
    const titles = async (query: string) =>
      (await api.call('GET', `/v1/notes${query}`, { token })).json.items.map((note: { title: string }) => note.title);
    assert.deepEqual(await titles('?pinned=true'), ['pinned work']);
    assert.deepEqual((await titles('?tag=work')).sort(), ['pinned work', 'work home']);
    assert.deepEqual(await titles('?tag=WORK&tag=%23home'), ['work home']);
    assert.deepEqual(await titles('?tag=work&pinned=false'), ['work home']);
    assert.deepEqual(await titles('?tag=work&archived=true'), ['archived work']);

    const badTag = await api.call('GET', '/v1/notes?tag=work&tag=no%20spaces', { token });
    assertProblem(badTag, 400);
    assert.deepEqual(
      badTag.json.errors.map((error: { field: string }) => error.field),
      ['tag[1]'],
    );
    const badPinned = await api.call('GET', '/v1/notes?pinned=perhaps', { token });
    assertProblem(badPinned, 400);
    assert.deepEqual(
      badPinned.json.errors.map((error: { field: string }) => error.field),
      ['pinned'],
    );
  });

  test('walking the pages under a filter returns each match once; its cursor under other filters is a 400', async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    await api.welcomeNoteId(token);
    const tagged: string[] = [];
    for (let i = 0; i < 7; i++) {
      const body = { title: `note ${i}`, tags: i % 2 === 0 ? ['even'] : ['odd'] };
      const created = await api.call('POST', '/v1/notes', { token, body });
      assert.equal(created.status, 201, created.text);
      if (i % 2 === 0) tagged.push(created.json.id);
    }

    const walked: string[] = [];
    let cursor: string | null = null;
    let firstCursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await api.call('GET', `/v1/notes?tag=even&limit=2${query}`, { token });
      assert.equal(page.status, 200, page.text);
      walked.push(...page.json.items.map((note: { id: string }) => note.id));
      cursor = page.json.next_cursor;
      firstCursor ??= cursor;
    } while (cursor !== null);
    assert.equal(walked.length, tagged.length, 'no match came twice');
    assert.deepEqual(walked.toSorted(), tagged.toSorted(), 'every match came');

    assert.ok(firstCursor !== null);
    for (const other of ['', '&tag=odd', '&tag=even&pinned=true', '&tag=even&archived=true']) {
      const refused = await api.call('GET', `/v1/notes?limit=2&cursor=${encodeURIComponent(firstCursor)}${other}`, {
        token,
      });
      assertProblem(refused, 400);
      assert.deepEqual(
        refused.json.errors.map((error: { field: string }) => error.field),
        ['cursor'],
      );
    }
  });
});
