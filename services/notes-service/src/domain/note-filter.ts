import { InvalidNoteFilter } from './errors.ts';
import { parseSearchQuery, type SearchQuery } from './search-query.ts';
import { normalizeTags } from './tags.ts';

/** Which of an owner's live notes a list shows. */
export interface NoteFilter {
  /** Archived notes only, or (the default) only those not archived. */
  archived: boolean;
  /** Undefined: pinned and unpinned alike. */
  pinned: boolean | undefined;
  /** Notes carrying every one of these (normalized) tags; none: any note. */
  tags: string[];
  /** Notes that match `q`; undefined: no search. */
  search?: SearchQuery | undefined;
}

/** How a list is ordered: by relevance to `q` (then newest), or newest first (created_at, then id). */
export type NoteOrder = 'relevance' | 'newest';

export const noteOrders: readonly NoteOrder[] = ['relevance', 'newest'];

/** The default list: every live note that is not archived. */
export const unfilteredList: NoteFilter = { archived: false, pinned: undefined, tags: [] };

/**
 * The filter as a caller gives it, tags normalized as a note's are, `q` parsed (parseSearchQuery);
 * InvalidNoteFilter names a bad `tag[i]` or `q`.
 */
export function normalizeNoteFilter(given: {
  archived: boolean;
  pinned: boolean | undefined;
  tags: readonly string[];
  q?: string | undefined;
}): NoteFilter {
  const filter = {
    archived: given.archived,
    pinned: given.pinned,
    tags: normalizeTags(given.tags, 'tag', InvalidNoteFilter),
  };
  return given.q === undefined ? filter : { ...filter, search: parseSearchQuery(given.q) };
}

/**
 * The order of a list: with a search, relevance unless `sort` says newest; without one, newest
 * (the only order there is without a `q`, so sort=relevance is refused, naming `sort`).
 */
export function resolveNoteOrder(sort: string | undefined, filter: NoteFilter): NoteOrder {
  if (sort !== undefined && !noteOrders.includes(sort as NoteOrder)) {
    throw new InvalidNoteFilter('sort', `sort must be one of ${noteOrders.join(', ')}, got ${sort}`);
  }
  if (filter.search === undefined) {
    if (sort === 'relevance') throw new InvalidNoteFilter('sort', 'sort=relevance needs q, a search to be relevant to');
    return 'newest';
  }
  return (sort as NoteOrder | undefined) ?? 'relevance';
}

/**
 * What binds a cursor to the filter (and, with a search, the order) it was made under: empty for the default list (so its cursors
 * keep their form), else a short digest of the normalized filter. A guard against a cursor reused
 * under other filters, not a secret: FNV-1a (32 bits) is enough and needs no crypto.
 */
export function filterFingerprint(filter: NoteFilter, order: NoteOrder = 'newest'): string {
  const { archived, pinned, tags, search } = filter;
  if (!archived && pinned === undefined && tags.length === 0 && search === undefined) return '';
  const fields: unknown[] = [archived, pinned ?? null, tags];
  // Filters without a search keep the fingerprints they had before there was one.
  if (search !== undefined) fields.push(search.required, search.excluded, order);
  const normalized = JSON.stringify(fields);
  let hash = 0x811c9dc5;
  for (let i = 0; i < normalized.length; i++) {
    hash = Math.imul(hash ^ normalized.charCodeAt(i), 0x01000193) >>> 0;
  }
  return hash.toString(36);
}
