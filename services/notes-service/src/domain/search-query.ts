import { InvalidNoteFilter } from './errors.ts';

/**
 * What `q` asks for, as web search reads it: every required term must occur, no excluded term
 * may. A term is one word, or a quoted phrase (its words next to each other, in order). Words are
 * kept as typed (the database lower-cases them as it lower-cases the stored words); how a word breaks into lexemes (`e-mail`, `example.com`) is left to the
 * database's text-search parser, which the stored words went through too.
 */
export interface SearchQuery {
  /** Each term a list of words: one word, or a phrase. Never empty. */
  required: string[][];
  excluded: string[][];
}

export const searchQueryMaxLength = 200;

// A word the parser makes a lexeme of holds at least one letter or digit; `&`, `!`, `<->` hold none.
const searchable = /[\p{L}\p{N}]/u;
// A term: an optional '-' and then a quoted phrase (closed by '"' or the end) or a run of non-blanks.
// Control characters separate words too: NUL, which PostgreSQL text cannot hold, never reaches it.
const termPattern = /(-?)(?:"([^"]*)"?|([^\s\p{Cc}"]+))/gu;
const blanks = /[\s\p{Cc}]+/u;

/**
 * Reads `q`: words separated by white space, `"quoted phrases"`, `-word` and `-"phrase"` to
 * exclude; parts without a letter or digit are dropped. InvalidNoteFilter naming `q` when it is
 * not 1 to 200 characters, or holds no word to look for (exclusions alone find nothing).
 */
export function parseSearchQuery(q: string): SearchQuery {
  const length = [...q].length;
  if (length < 1 || length > searchQueryMaxLength) {
    throw new InvalidNoteFilter('q', `q must be 1 to ${searchQueryMaxLength} characters, got ${length}`);
  }
  const query: SearchQuery = { required: [], excluded: [] };
  for (const [, minus, phrase, word] of q.matchAll(termPattern)) {
    const words = (phrase ?? word ?? '').split(blanks).filter((part) => searchable.test(part));
    if (words.length > 0) (minus === '-' ? query.excluded : query.required).push(words);
  }
  if (query.required.length === 0) {
    throw new InvalidNoteFilter('q', 'q must hold a word to search for (a letter or digit outside an exclusion)');
  }
  return query;
}
