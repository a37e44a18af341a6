// What the notes screen shows, as plain data: the pinned section, the other notes (loaded a page
// at a time) and how a change from the live stream alters them. No DOM here.
import type { Schemas } from '@notes/api-client';
import type { NoteChange } from './live-changes.ts';

export type Note = Schemas['Note'];

export interface ListFilters {
  /** Search text ('' for none). */
  q: string;
  /** Notes carrying every one of these tags. */
  tags: string[];
  /** The archive view (archived notes only) instead of the live notes. */
  archived: boolean;
}

export interface NoteLists {
  /** Pinned notes (always empty in the archive view, which lists everything in `others`). */
  pinned: Note[];
  others: Note[];
  /** The cursor of the next page of `others`; null once every page is loaded. */
  nextCursor: string | null;
}

/** Newest first, ties by id: the API's order without `q`. */
export function newerFirst(a: Note, b: Note): number {
  return b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id);
}

/** Whether the note belongs in a view with these filters (`q` cannot be judged here: only notes already listed stay). */
function fitsFilters(note: Note, filters: ListFilters): boolean {
  return note.archived === filters.archived && filters.tags.every((tag) => note.tags.includes(tag));
}

/** The lists once a change made elsewhere (another tab, another client) is applied. */
export function applyChange(lists: NoteLists, change: NoteChange, filters: ListFilters): NoteLists {
  const id = change.op === 'upsert' ? change.note.id : change.id;
  const without = {
    pinned: lists.pinned.filter((note) => note.id !== id),
    others: lists.others.filter((note) => note.id !== id),
  };
  if (change.op === 'delete') return { ...lists, ...without };
  const { note } = change;
  const listed = [...lists.pinned, ...lists.others].find((known) => known.id === id);
  if (listed !== undefined && listed.version > note.version) return lists; // an older state: keep the newer
  if (!fitsFilters(note, filters)) return { ...lists, ...without };
  if (listed === undefined && filters.q !== '') return lists; // a match for the search is the server's to judge
  const inPinned = note.pinned && !filters.archived;
  if (listed !== undefined && filters.q !== '') {
    // Relevance order: the note keeps its place.
    const replace = (notes: Note[]) => notes.map((known) => (known.id === id ? note : known));
    return { ...lists, pinned: replace(lists.pinned), others: replace(lists.others) };
  }
  if (inPinned) return { ...lists, ...without, pinned: [...without.pinned, note].sort(newerFirst) };
  // A note older than every loaded one arrives with its page (a listed one is never older than itself).
  const oldest = lists.others.at(-1);
  if (lists.nextCursor !== null && oldest !== undefined && newerFirst(note, oldest) > 0)
    return { ...lists, ...without };
  return { ...lists, ...without, others: [...without.others, note].sort(newerFirst) };
}

/** The view after a note the person saved here: the same rules as a change from elsewhere. */
export function applySaved(lists: NoteLists, note: Note, filters: ListFilters): NoteLists {
  return applyChange(lists, { op: 'upsert', note }, filters);
}
