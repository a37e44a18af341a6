import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidNote } from '../../src/domain/errors.ts';
import { maxTagsPerNote, normalizeTags, tagMaxLength } from '../../src/domain/tags.ts';

/** The field InvalidNote names for these tags, or undefined when they are taken. */
function invalidField(tags: string[]): string | undefined {
  try {
    normalizeTags(tags);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof InvalidNote, `expected InvalidNote, got ${error}`);
    assert.equal(error.code, 'INVALID_NOTE');
    return error.field;
  }
}

describe('tag rules', () => {
  test('trims, lower-cases, drops one leading #, collapses duplicates and sorts', () => {
    assert.deepEqual(normalizeTags([' Work', '#home', 'work ', '#HOME', 'a_b-c', '42']), [
      '42',
      'a_b-c',
      'home',
      'work',
    ]);
    assert.deepEqual(normalizeTags([]), []);
  });

  test('takes letters and digits of any script', () => {
    assert.deepEqual(normalizeTags(['Заметки', '日本語', 'ÉTÉ', '٣']), ['été', 'заметки', '٣', '日本語'].toSorted());
  });

  test(`takes ${tagMaxLength} code points and refuses ${tagMaxLength + 1}`, () => {
    assert.equal(invalidField(['я'.repeat(tagMaxLength)]), undefined);
    assert.equal(invalidField([`#${'a'.repeat(tagMaxLength)}`]), undefined, 'the # does not count');
    assert.equal(invalidField(['ok', 'a'.repeat(tagMaxLength + 1)]), 'tags[1]');
  });

  for (const [name, tag] of [
    ['empty', ''],
    ['blank', '  '],
    ['only #', '#'],
    ['two #', '##a'],
    ['inner space', 'a b'],
    ['punctuation', 'a.b'],
    ['emoji', '😀'],
    ['NUL', 'a\0'],
  ] as const) {
    test(`refuses a tag that is ${name}, naming its index`, () => {
      assert.equal(invalidField(['fine', 'also-fine', 'x', tag]), 'tags[3]');
    });
  }

  test(`takes ${maxTagsPerNote} tags and refuses ${maxTagsPerNote + 1}, even duplicates`, () => {
    const tags = Array.from({ length: maxTagsPerNote }, (_, i) => `t${i}`);
    assert.equal(normalizeTags(tags).length, maxTagsPerNote);
    assert.equal(invalidField([...tags, 't0']), 'tags');
  });
});
