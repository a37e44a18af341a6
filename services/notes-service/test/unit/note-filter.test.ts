import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidNoteFilter } from '../../src/domain/errors.ts';
import {
  filterFingerprint,
  normalizeNoteFilter,
  resolveNoteOrder,
  unfilteredList,
} from '../../src/domain/note-filter.ts';

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

test('a search is fingerprinted with its order; without a search, sort=newest is the default list', () => {
  const filter = (q?: string) => normalizeNoteFilter({ archived: false, pinned: undefined, tags: [], q });
  const fingerprints = [
    filterFingerprint(filter('milk'), 'relevance'),
    filterFingerprint(filter('milk'), 'newest'),
    filterFingerprint(filter('milk bread'), 'relevance'),
    filterFingerprint(filter('"milk bread"'), 'relevance'),
    filterFingerprint(filter('milk -bread'), 'relevance'),
  ];
  assert.equal(new Set(fingerprints).size, fingerprints.length);
  assert.ok(!fingerprints.includes(''));
  assert.equal(filterFingerprint(filter(' milk  '), 'relevance'), fingerprints[0], 'the same words, spaced otherwise');
  assert.equal(filterFingerprint(filter(), resolveNoteOrder('newest', filter())), '');
});

test('the order: relevance by default with q, newest without; sort must be known, and relevance needs q', () => {
  const withQ = normalizeNoteFilter({ archived: false, pinned: undefined, tags: [], q: 'milk' });
  assert.equal(resolveNoteOrder(undefined, withQ), 'relevance');
  assert.equal(resolveNoteOrder('newest', withQ), 'newest');
  assert.equal(resolveNoteOrder('relevance', withQ), 'relevance');
  assert.equal(resolveNoteOrder(undefined, unfilteredList), 'newest');
  assert.equal(resolveNoteOrder('newest', unfilteredList), 'newest');
  for (const [sort, filter] of [
    ['relevance', unfilteredList],
    ['oldest', withQ],
    ['', unfilteredList],
  ] as const) {
    assert.throws(
      () => resolveNoteOrder(sort, filter),
      (error) => error instanceof InvalidNoteFilter && error.field === 'sort',
      sort,
    );
  }
});
