import { preparedStatement, type Statement } from '@notes/postgres';
import type { NoteFilter } from '../domain/note-filter.ts';
import type { PagePosition, RankedPosition } from '../domain/page.ts';
import type { SearchQuery } from '../domain/search-query.ts';

/**
 * The text of a search's tsquery: each word a quoted lexeme (quotes and backslashes escaped, so no
 * operator can come from `q`), matched as a word or a word's start (`:*`) where required, as a
 * whole word where excluded; a phrase's words joined by <-> (next to each other, in order).
 * to_tsquery then breaks each quoted word into lexemes with the parser that made the stored ones.
 */
export function tsqueryText(search: SearchQuery): string {
  const lexeme = (word: string, suffix: string) => `'${word.replaceAll('\\', '\\\\').replaceAll("'", "''")}'${suffix}`;
  const term = (words: string[], suffix: string) => words.map((word) => lexeme(word, suffix)).join(' <-> ');
  return [
    ...search.required.map((words) => `(${term(words, ':*')})`),
    ...search.excluded.map((words) => `!(${term(words, '')})`),
  ].join(' & ');
}

/**
 * One page query, written for the filters given and no others: each combination is a prepared
 * statement of its own, so PostgreSQL plans a list without tags with no tag condition (where the
 * tags' GIN index could tempt a generic plan) and a search with the words' GIN index.
 */
class PageQuery {
  readonly values: unknown[];
  readonly conditions = ['owner_id = $1', 'deleted_at IS NULL'];
  from = 'notes';
  readonly searching: boolean;

  constructor(ownerId: string, count: number, filter: NoteFilter) {
    this.searching = filter.search !== undefined;
    this.values = [ownerId, count];
    this.conditions.push(`archived = ${this.parameter(filter.archived)}`);
    if (filter.pinned !== undefined) this.conditions.push(`pinned = ${this.parameter(filter.pinned)}`);
    if (filter.tags.length > 0) this.conditions.push(`tags @> ${this.parameter(filter.tags)}::text[]`);
    if (filter.search !== undefined) {
      // Lower-cased as the stored words are (migration 0005), whatever the database's locale.
      this.from += `, to_tsquery('simple', lower(${this.parameter(tsqueryText(filter.search))}::text COLLATE pg_c_utf8)) AS query`;
      this.conditions.push('search @@ query');
    }
  }

  parameter(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /**
   * A search is planned with its values every time (an unnamed statement): PostgreSQL's generic
   * plan of a prepared one fits the average owner, and reads an owner with 100,000 notes through
   * their btree, computing every note's match, where their words' GIN index finds the few.
   */
  statement(select: string, order: string): Statement {
    const text = `SELECT ${select} FROM ${this.from} WHERE ${this.conditions.join(' AND ')} ORDER BY ${order} LIMIT $2`;
    return this.searching ? { text, values: this.values } : preparedStatement(text)(this.values);
  }
}

/**
 * A page newest first: the row comparison walks the (owner_id, created_at DESC, id DESC) index from
 * the position on, the filters checked on the rows of that walk (or, for a rare tag or word, their
 * GIN index read and its few rows sorted, as the planner judges).
 */
export function newestPage(
  columns: string,
  ownerId: string,
  after: PagePosition | undefined,
  count: number,
  filter: NoteFilter,
): Statement {
  const query = new PageQuery(ownerId, count, filter);
  if (after !== undefined) {
    query.conditions.push(`(created_at, id) < (${query.parameter(after.createdAt)}, ${query.parameter(after.id)})`);
  }
  return query.statement(columns, 'created_at DESC, id DESC');
}

/**
 * A page of a search, most relevant first (ts_rank: title words weigh more), then newest. The
 * position compares the rank as the float4 ts_rank computes, so a page resumes exactly after the
 * last note of the previous one.
 */
export function rankedPage(
  columns: string,
  ownerId: string,
  after: RankedPosition | undefined,
  count: number,
  filter: NoteFilter & { search: SearchQuery },
): Statement {
  const query = new PageQuery(ownerId, count, filter);
  if (after !== undefined) {
    const position = [query.parameter(after.rank), query.parameter(after.createdAt), query.parameter(after.id)];
    query.conditions.push(
      `(ts_rank(search, query), created_at, id) < (${position[0]}::real, ${position[1]}, ${position[2]})`,
    );
  }
  return query.statement(`${columns}, ts_rank(search, query) AS rank`, 'rank DESC, created_at DESC, id DESC');
}
