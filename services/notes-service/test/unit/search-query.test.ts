import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tsqueryText } from '../../src/db/note-pages.ts';
import { InvalidNoteFilter } from '../../src/domain/errors.ts';
import { parseSearchQuery } from '../../src/domain/search-query.ts';

describe('parseSearchQuery', () => {
  test('every word is required, whatever the language or case', () => {
    assert.deepEqual(parseSearchQuery('bu mil'), { required: [['bu'], ['mil']], excluded: [] });
    assert.deepEqual(parseSearchQuery('  Купить\tМОЛОКО  '), { required: [['Купить'], ['МОЛОКО']], excluded: [] });
  });

  test('"quoted phrases" keep their words together; an unclosed quote runs to the end', () => {
    assert.deepEqual(parseSearchQuery('"buy  oat milk" today'), {
      required: [['buy', 'oat', 'milk'], ['today']],
      excluded: [],
    });
    assert.deepEqual(parseSearchQuery('plan "summer trip'), { required: [['plan'], ['summer', 'trip']], excluded: [] });
  });

  test('-word and -"phrase" exclude; a - inside a word is part of it', () => {
    assert.deepEqual(parseSearchQuery('milk -oat -"soy milk" e-mail'), {
      required: [['milk'], ['e-mail']],
      excluded: [['oat'], ['soy', 'milk']],
    });
  });

  test('parts without a letter or digit are dropped; punctuation inside a word stays for the parser', () => {
    assert.deepEqual(parseSearchQuery(`a:* & | ! ( ) ' \\ <-> "" - 42`), { required: [['a:*'], ['42']], excluded: [] });
    assert.deepEqual(parseSearchQuery("don't"), { required: [["don't"]], excluded: [] });
  });

  test('control characters separate words, so NUL never reaches the database', () => {
    assert.deepEqual(parseSearchQuery('buy\u0000milk "oat\u0007bar"'), {
      required: [['buy'], ['milk'], ['oat', 'bar']],
      excluded: [],
    });
  });

  test('1 to 200 characters (code points), else InvalidNoteFilter naming q', () => {
    assert.equal(parseSearchQuery('я'.repeat(200)).required.length, 1);
    assert.equal(parseSearchQuery('😀a'.repeat(100)).required.length, 1);
    for (const q of ['', 'a'.repeat(201), 'я'.repeat(201)]) {
      assert.throws(
        () => parseSearchQuery(q),
        (error) => error instanceof InvalidNoteFilter && error.field === 'q',
        `${q.length} characters`,
      );
    }
  });

  test('a q with no word to find is InvalidNoteFilter naming q: blanks, operators alone, exclusions alone', () => {
    for (const q of ['   ', '& | !', '"" -', '-milk', '-"soy milk"', '""']) {
      assert.throws(
        () => parseSearchQuery(q),
        (error) => error instanceof InvalidNoteFilter && error.field === 'q',
        q,
      );
    }
  });
});

describe('tsqueryText', () => {
  test('required words match as words or their starts, excluded ones as whole words, phrases word after word', () => {
    assert.equal(
      tsqueryText(parseSearchQuery('bu "oat mil" -soy -"cow milk"')),
      `('bu':*) & ('oat':* <-> 'mil':*) & !('soy') & !('cow' <-> 'milk')`,
    );
  });

  test('quotes and backslashes are escaped inside the quoted lexeme, so no operator comes from q', () => {
    assert.equal(tsqueryText({ required: [["it's\\"]], excluded: [] }), `('it''s\\\\':*)`);
  });
});
