import type { Note } from '../domain/note.ts';
import { filterFingerprint, normalizeNoteFilter } from '../domain/note-filter.ts';
import { decodeCursor, encodeCursor, resolvePageLimit } from '../domain/page.ts';
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
}

export interface NotesPage {
  notes: Note[];
  /** Undefined on the last page. */
  nextCursor: string | undefined;
}

export type ListNotes = (query: ListNotesQuery) => Promise<NotesPage>;

export interface ListNotesDependencies {
  notes: Pick<NotesRepository, 'listLive'>;
}

/**
 * Keyset pagination: a page resumes strictly after the (created_at, id) of the previous page's last
 * note, so notes created meanwhile (newer, hence before the cursor) never shift a walk through the
 * pages: every note that existed when it began comes exactly once. A cursor carries its filter's
 * fingerprint: under another filter its position would mean another walk, so it is refused.
 */
export function createListNotes(deps: ListNotesDependencies): ListNotes {
  return async ({ ownerId, limit, cursor, archived = false, pinned, tags = [] }) => {
    const pageSize = resolvePageLimit(limit);
    const filter = normalizeNoteFilter({ archived, pinned, tags });
    const fingerprint = filterFingerprint(filter);
    const after = cursor === undefined ? undefined : decodeCursor(cursor, fingerprint);
    // One note more than the page holds tells whether another page follows.
    const found = await deps.notes.listLive(ownerId, after, pageSize + 1, filter);
    const notes = found.slice(0, pageSize);
    const last = notes.at(-1);
    return {
      notes,
      nextCursor: found.length > pageSize && last !== undefined ? encodeCursor(last, fingerprint) : undefined,
    };
  };
}
