import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyChange, type ListFilters, type Note, type NoteLists } from '../../src/note-lists.ts';

const noFilters: ListFilters = { q: '', tags: [], archived: false };

/** Note n, created n minutes into the day: a higher n is newer. */
function note(n: number, fields: Partial<Note> = {}): Note {
  const at = new Date(Date.UTC(2026, 11, 5, 0, n)).toISOString();
  return {
    id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    title: `Note ${n}`,
    content: '',
    tags: [],
    pinned: false,
    archived: false,
    version: 1,
    created_at: at,
    updated_at: at,
    ...fields,
  };
}

const titles = (lists: NoteLists) => ({
  pinned: lists.pinned.map((listed) => listed.title),
  others: lists.others.map((listed) => listed.title),
});
/** Notes 30 down to 11 loaded, more pages to come. */
const firstPage: NoteLists = {
  pinned: [],
  others: Array.from({ length: 20 }, (_, index) => note(30 - index)),
  nextCursor: 'next',
};

describe('applyChange', () => {
  it('keeps every loaded note through a full sync of all the notes, oldest first, and adds none of the older ones', () => {
    let lists = firstPage;
    for (let n = 1; n <= 30; n++) lists = applyChange(lists, { op: 'upsert', note: note(n) }, noFilters);
    assert.deepEqual(titles(lists), titles(firstPage));
  });

  it('adds a new note at its place, and an update in place', () => {
    let lists = applyChange(firstPage, { op: 'upsert', note: note(31) }, noFilters);
    lists = applyChange(lists, { op: 'upsert', note: note(20, { title: 'Renamed', version: 2 }) }, noFilters);
    assert.deepEqual(titles(lists).others.slice(0, 2), ['Note 31', 'Note 30']);
    assert.equal(lists.others[11]?.title, 'Renamed');
    assert.equal(lists.others.length, 21);
  });

  it('adds any note when every page is loaded', () => {
    const lists = applyChange({ ...firstPage, nextCursor: null }, { op: 'upsert', note: note(2) }, noFilters);
    assert.equal(lists.others.at(-1)?.title, 'Note 2');
  });

  it('ignores a change older than the version listed', () => {
    const newer = applyChange(firstPage, { op: 'upsert', note: note(25, { title: 'v3', version: 3 }) }, noFilters);
    const stale = applyChange(newer, { op: 'upsert', note: note(25, { title: 'v2', version: 2 }) }, noFilters);
    assert.equal(stale, newer);
  });

  it('moves a pinned note into the pinned section, and an archived one out of view', () => {
    let lists = applyChange(firstPage, { op: 'upsert', note: note(12, { pinned: true, version: 2 }) }, noFilters);
    assert.deepEqual(titles(lists).pinned, ['Note 12']);
    assert.ok(!titles(lists).others.includes('Note 12'));
    lists = applyChange(
      lists,
      { op: 'upsert', note: note(12, { pinned: true, archived: true, version: 3 }) },
      noFilters,
    );
    assert.deepEqual(titles(lists).pinned, []);
    assert.ok(!titles(lists).others.includes('Note 12'));
  });

  it('removes a deleted note', () => {
    const lists = applyChange(firstPage, { op: 'delete', id: note(29).id, version: 2 }, noFilters);
    assert.ok(!titles(lists).others.includes('Note 29'));
    assert.equal(lists.others.length, 19);
  });

  it('keeps to the filters: tags, the archive, and a search whose new matches only the server knows', () => {
    const tagged: ListFilters = { ...noFilters, tags: ['work'] };
    const empty: NoteLists = { pinned: [], others: [], nextCursor: null };
    assert.equal(applyChange(empty, { op: 'upsert', note: note(40) }, tagged).others.length, 0);
    assert.equal(applyChange(empty, { op: 'upsert', note: note(40, { tags: ['work'] }) }, tagged).others.length, 1);
    const archive: ListFilters = { ...noFilters, archived: true };
    const archived = applyChange(empty, { op: 'upsert', note: note(40, { archived: true, pinned: true }) }, archive);
    assert.deepEqual(titles(archived), { pinned: [], others: ['Note 40'] });
    const search: ListFilters = { ...noFilters, q: 'milk' };
    assert.equal(applyChange(empty, { op: 'upsert', note: note(40) }, search).others.length, 0);
    const found: NoteLists = { pinned: [], others: [note(3), note(9)], nextCursor: null };
    const updated = applyChange(found, { op: 'upsert', note: note(9, { title: 'Milk', version: 2 }) }, search);
    assert.deepEqual(titles(updated).others, ['Note 3', 'Milk'], 'relevance order kept');
  });
});
