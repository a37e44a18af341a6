import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterFingerprint, normalizeNoteFilter, unfilteredList } from '../../src/domain/note-filter.ts';

test('the default list has no fingerprint, so its cursors keep the form they had before filters', () => {
  assert.equal(filterFingerprint(unfilteredList), '');
});

test('a filter is fingerprinted as normalized: tags given otherwise match, any other filter differs', () => {
  const filter = (given: { archived?: boolean; pinned?: boolean; tags?: string[] }) =>
    filterFingerprint(normalizeNoteFilter({ archived: false, pinned: undefined, tags: [], ...given }));
  assert.equal(filter({ tags: ['Work', '#home'] }), filter({ tags: ['home', 'work'] }));
  const fingerprints = [
    filter({ tags: ['work'] }),
    filter({ tags: ['home'] }),
    filter({ tags: ['home', 'work'] }),
    filter({ archived: true }),
    filter({ pinned: true }),
    filter({ pinned: false }),
    filter({ archived: true, pinned: true }),
  ];
  assert.equal(new Set(fingerprints).size, fingerprints.length);
  assert.ok(!fingerprints.includes(''));
});
