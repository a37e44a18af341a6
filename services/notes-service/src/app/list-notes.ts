import type { Note } from '../domain/note.ts';
import { decodeCursor, encodeCursor, resolvePageLimit } from '../domain/page.ts';
import type { NotesRepository } from './ports.ts';

export interface ListNotesQuery {
  ownerId: string;
  /** 0 for the default page size. */
  limit: number;
  /** The nextCursor of the previous page; undefined for the first page. */
  cursor: string | undefined;
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
 * pages: every note that existed when it began comes exactly once.
 */
export function createListNotes(deps: ListNotesDependencies): ListNotes {
  return async ({ ownerId, limit, cursor }) => {
    const pageSize = resolvePageLimit(limit);
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    // One note more than the page holds tells whether another page follows.
    const found = await deps.notes.listLive(ownerId, after, pageSize + 1);
    const notes = found.slice(0, pageSize);
    const last = notes.at(-1);
    return { notes, nextCursor: found.length > pageSize && last !== undefined ? encodeCursor(last) : undefined };
  };
}
