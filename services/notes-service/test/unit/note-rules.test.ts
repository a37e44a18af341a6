import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidNote } from '../../src/domain/errors.ts';
import { assertValidNoteFields } from '../../src/domain/note.ts';

const emoji = '😀'; // one code point, two UTF-16 units

function invalidField(fields: { title: string; content: string }): string | undefined {
  try {
    assertValidNoteFields(fields);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof InvalidNote, `expected InvalidNote, got ${error}`);
    assert.equal(error.code, 'INVALID_NOTE');
    return error.field;
  }
}

describe('note rules', () => {
  test('accepts an ordinary note and an empty content', () => {
    assert.equal(invalidField({ title: 'Groceries', content: 'milk, eggs' }), undefined);
    assert.equal(invalidField({ title: 'x', content: '' }), undefined);
  });

  for (const [name, title] of [
    ['empty', ''],
    ['spaces', '   '],
    ['tabs and newlines', '\t\n\r '],
    ['non-ASCII whitespace', '\u00a0\u3000\u2003'],
  ]) {
    test(`rejects a blank title (${name})`, () => {
      assert.equal(invalidField({ title: title as string, content: '' }), 'title');
    });
  }

  test('accepts a title of 200 code points, even when it is 400 UTF-16 units', () => {
    assert.equal(invalidField({ title: 'a'.repeat(200), content: '' }), undefined);
    assert.equal(invalidField({ title: emoji.repeat(200), content: '' }), undefined);
  });

  test('rejects a NUL character in the title or the content', () => {
    assert.equal(invalidField({ title: 'a\0b', content: '' }), 'title');
    assert.equal(invalidField({ title: 'a', content: 'x\0' }), 'content');
  });

  test('rejects a title of 201 code points', () => {
    assert.equal(invalidField({ title: 'a'.repeat(201), content: '' }), 'title');
    assert.equal(invalidField({ title: emoji.repeat(201), content: '' }), 'title');
  });

  test('accepts a content of 100,000 code points and rejects 100,001', () => {
    assert.equal(invalidField({ title: 't', content: emoji.repeat(100_000) }), undefined);
    assert.equal(invalidField({ title: 't', content: 'a'.repeat(100_001) }), 'content');
    assert.equal(invalidField({ title: 't', content: emoji.repeat(100_001) }), 'content');
  });
});
