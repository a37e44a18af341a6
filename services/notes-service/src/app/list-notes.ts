import type { Note } from '../domain/note.ts';
import { filterFingerprint, normalizeNoteFilter, resolveNoteOrder } from '../domain/note-filter.ts';
import { decodeCursor, decodeRankedCursor, encodeCursor, resolvePageLimit } from '../domain/page.ts';
import type { NotesRepository } from './ports.ts';

export interface ListNotesQuery {
  ownerId: string;
  /** 0 for the default page size. */
  limit: number;
  /** The nextCursor of the previous page; undefined for the first page. */
  cursor: string | undefined;
  /** Archived notes only when true; else (the default) those not archived. */
  archived?: boolean | undefined;
  /** Undefined: pinned or not. */
  pinned?: boolean | undefined;
  /** Notes carrying every one of these tags (normalized here, as a note's are); none by default. */
  tags?: readonly string[] | undefined;
  /** Full-text search (parseSearchQuery); undefined: none. */
  q?: string | undefined;
  /** `relevance` (the default with q) or `newest` (the only order without q); undefined: the default. */
  sort?: string | undefined;
}

export interface NotesPage {
  notes: Note[];
  /** Undefined on the last page. */
  nextCursor: string | undefined;
}

export type ListNotes = (query: ListNotesQuery) => Promise<NotesPage>;

export interface ListNotesDependencies {
  notes: Pick<NotesRepository, 'listLive' | 'listRanked'>;
}

/**
 * Keyset pagination: a page resumes strictly after the (created_at, id) of the previous page's last
 * note, so notes created meanwhile (newer, hence before the cursor) never shift a walk through the
 * pages: every note that existed when it began comes exactly once. Ordered by relevance, the
 * position is (rank, created_at, id), the rank carried exactly: a note written meanwhile lands
 * before or after the position, never moves the notes already passed. A cursor carries its
 * filter's fingerprint: under another filter its position would mean another walk, so it is refused.
 */
export function createListNotes(deps: ListNotesDependencies): ListNotes {
  return async ({ ownerId, limit, cursor, archived = false, pinned, tags = [], q, sort }) => {
    const pageSize = resolvePageLimit(limit);
    const filter = normalizeNoteFilter({ archived, pinned, tags, q });
    const order = resolveNoteOrder(sort, filter);
    const fingerprint = filterFingerprint(filter, order);
    // One note more than the page holds tells whether another page follows.
    const { search } = filter;
    if (order === 'relevance' && search !== undefined) {
      const after = cursor === undefined ? undefined : decodeRankedCursor(cursor, fingerprint);
      const found = await deps.notes.listRanked(ownerId, after, pageSize + 1, { ...filter, search });
      const page = found.slice(0, pageSize);
      const last = page.at(-1);
      return {
        notes: page.map(({ note }) => note),
        nextCursor:
          found.length > pageSize && last !== undefined
            ? encodeCursor({ ...last.note, rank: last.rank }, fingerprint)
            : undefined,
      };
    }
    const after = cursor === undefined ? undefined : decodeCursor(cursor, fingerprint);
    const found = await deps.notes.listLive(ownerId, after, pageSize + 1, filter);
    const notes = found.slice(0, pageSize);
    const last = notes.at(-1);
    return {
      notes,
      nextCursor: found.length > pageSize && last !== undefined ? encodeCursor(last, fingerprint) : undefined,
    };
  };
}
