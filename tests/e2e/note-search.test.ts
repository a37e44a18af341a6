// Search on GET /v1/notes through the public API, down to notes-service's database: words in
// English and Russian found by their start, phrases and exclusions, relevance or newest first,
// pages that walk every match once, and 400s naming q, sort or cursor.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ApiResponse, apiClient, assertProblem } from './api.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

describe('GET /v1/notes?q=', () => {
  let platform: RunningPlatform;
  let api: ReturnType<typeof apiClient>;
  let token: string;

  before(async () => {
    platform = await startTestPlatform();
    api = apiClient(platform.bffUrl);
    ({ token } = await api.signedInUser());
    await api.welcomeNoteId(token);
    for (const body of [
      { title: 'Buy milk', content: 'and bread', tags: ['shopping'] },
      { title: 'Купить молоко', content: 'И ХЛЕБ', pinned: true },
      { title: 'Weekend', content: 'buy oat milk for the trip' },
      { title: 'Поездка', content: 'купить билеты на поезд' },
      { title: 'Old list', content: 'milk', archived: true },
    ]) {
      const created = await api.call('POST', '/v1/notes', { token, body });
      assert.equal(created.status, 201, created.text);
    }
  });
  after(async () => {
    await platform?.close();
  });

  const search = (query: string) => api.call('GET', `/v1/notes?${query}`, { token });
  const titles = async (query: string) => {
    const page = await search(query);
    assert.equal(page.status, 200, page.text);
    return page.json.items.map((note: { title: string }) => note.title);
  };
  const q = (text: string) => `q=${encodeURIComponent(text)}`;

  test('finds English words by their start in any case, most relevant first', async () => {
    assert.deepEqual(await titles(q('bu MIL')), ['Buy milk', 'Weekend']);
    assert.deepEqual(await titles(`${q('bu mil')}&sort=newest`), ['Weekend', 'Buy milk']);
    assert.deepEqual(await titles(q('bread')), ['Buy milk']);
  });

  test('finds Russian words the same way', async () => {
    assert.deepEqual(await titles(q('купить')), ['Купить молоко', 'Поездка']);
    assert.deepEqual(await titles(q('хлеб')), ['Купить молоко']);
    assert.deepEqual(await titles(q('МОЛ куп')), ['Купить молоко']);
  });

  test('"phrases" and -exclusions work as in web search, and q goes with the other filters', async () => {
    assert.deepEqual(await titles(q('"oat milk"')), ['Weekend']);
    assert.deepEqual(await titles(q('"milk oat"')), []);
    assert.deepEqual(await titles(q('milk -oat')), ['Buy milk']);
    assert.deepEqual(await titles(q('купить -"билеты на"')), ['Купить молоко']);
    assert.deepEqual(await titles(`${q('milk')}&tag=shopping`), ['Buy milk']);
    assert.deepEqual(await titles(`${q('купить')}&pinned=true`), ['Купить молоко']);
    assert.deepEqual(await titles(`${q('milk')}&archived=true`), ['Old list']);
  });

  test('pages walk every match once; a cursor serves only its q and sort', async () => {
    const walked: string[] = [];
    let cursor: string | null = null;
    let firstCursor: string | null = null;
    do {
      const after: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await search(`${q('bu')}&limit=1${after}`);
      assert.equal(page.status, 200, page.text);
      walked.push(...page.json.items.map((note: { title: string }) => note.title));
      cursor = page.json.next_cursor;
      firstCursor ??= cursor;
    } while (cursor !== null);
    assert.deepEqual(walked, await titles(q('bu')));
    assert.equal(walked.length, 2);

    assert.ok(firstCursor !== null);
    for (const other of [q('buy'), `${q('bu')}&sort=newest`, '']) {
      assertFields(await search(`${other}&limit=1&cursor=${encodeURIComponent(firstCursor)}`), ['cursor']);
    }
  });

  test('a q out of 1..200 characters or without a word to look for, or a bad sort, is a 400 naming it', async () => {
    assertFields(await search('q='), ['q']);
    assertFields(await search(q('я'.repeat(201))), ['q']);
    assertFields(await search(q('-milk')), ['q']);
    assertFields(await search(q('& | ! <->')), ['q']);
    assertFields(await search(`${q('milk')}&sort=oldest`), ['sort']);
    assertFields(await search('sort=relevance'), ['sort']);
    const hostile = await titles(q(`a:* & | ! ( ) ' \\ <->`));
    assert.deepEqual(hostile, await titles(q('a')), 'only ever words: here the one word a');
    assert.ok(hostile.includes('Buy milk'));
  });
});

function assertFields(response: ApiResponse, fields: string[]): void {
  assertProblem(response, 400);
  assert.deepEqual(
    response.json.errors.map((error: { field: string }) => error.field),
    fields,
    response.text,
  );
}
