import {
  type ChangePosition,
  decodeChangeCursor,
  encodeChangeCursor,
  fullSync,
  resolveChangeLimit,
  type Snapshot,
} from '../domain/change-cursor.ts';
import { ChangeCursorExpired } from '../domain/errors.ts';
import type { Note } from '../domain/note.ts';

export interface ListChangesQuery {
  ownerId: string;
  /** 0 for the default page size. */
  limit: number;
  /** A cursor of a previous answer; undefined for a full sync. */
  cursor: string | undefined;
}

/** One change of the feed, with the cursor right after it (a live stream's event id). */
export type FeedChange =
  | { op: 'upsert'; note: Note; cursor: string }
  | { op: 'delete'; noteId: string; version: number; cursor: string };

export interface ChangesPage {
  changes: FeedChange[];
  nextCursor: string;
  /** More changes follow at once from nextCursor. */
  hasMore: boolean;
}

export type ListChanges = (query: ListChangesQuery) => Promise<ChangesPage>;

/** A note's row as the feed reads it: its latest state, and the transaction that wrote it. */
export interface ChangedNote {
  note: Note;
  /** Soft-deleted: the row is the note's deletion marker. */
  deleted: boolean;
  xid: bigint;
}

export interface ChangesRequest {
  ownerId: string;
  /** Only rows whose transaction this snapshot does not see; undefined: every live note. */
  since: Snapshot | undefined;
  /** Only rows whose transaction this snapshot sees (a pass under way). */
  until: Snapshot | undefined;
  /** Only rows after this position. */
  after: ChangePosition | undefined;
  count: number;
}

/** The notes table as the change feed reads it. */
export interface NoteChanges {
  /**
   * Up to `count` of the owner's rows the request selects, in (xid, note id) order, with the
   * snapshot they were read under and the newest transaction id the purge of deletions removed.
   */
  read(request: ChangesRequest): Promise<{ snapshot: Snapshot; purgedThrough: bigint; changes: ChangedNote[] }>;
}

export interface ListChangesDependencies {
  changes: NoteChanges;
}

/**
 * The change feed (ADR 0011). A cursor is a snapshot: a client that holds it has applied every
 * write that snapshot sees, so what follows is the rows whose writing transaction it does not see,
 * each at its latest state (compacted). A transaction still open when the cursor was made is not
 * seen by it, so it comes whenever it commits: nothing is skipped, whatever the commit order. A
 * pass of several pages is bounded by the snapshot of its first page, so its pages neither skip
 * nor repeat a row; a row changed again meanwhile comes in the next pass, at a higher version.
 */
export function createListChanges(deps: ListChangesDependencies): ListChanges {
  return async ({ ownerId, limit, cursor: cursorText }) => {
    const pageSize = resolveChangeLimit(limit);
    const cursor = cursorText === undefined ? fullSync : decodeChangeCursor(cursorText);
    // One row more than the page holds tells whether another page follows.
    const read = await deps.changes.read({
      ownerId,
      since: cursor.since,
      until: cursor.pass?.until,
      after: cursor.pass?.after,
      count: pageSize + 1,
    });
    // A purged deletion the cursor's snapshot did not see would be lost to its holder.
    if (cursor.since !== undefined && read.purgedThrough >= cursor.since.xmin) throw new ChangeCursorExpired();
    const rows = read.changes.slice(0, pageSize);
    const hasMore = read.changes.length > pageSize;
    const until = cursor.pass?.until ?? read.snapshot;
    // After the pass's last change the cursor is its bound, which sees every change of the pass;
    // before, it resumes after the change's position under that bound.
    const endOfPass = encodeChangeCursor({ since: until });
    const changes = rows.map((row, index): FeedChange => {
      const after =
        !hasMore && index === rows.length - 1
          ? endOfPass
          : encodeChangeCursor({ since: cursor.since, pass: { until, after: { xid: row.xid, noteId: row.note.id } } });
      return row.deleted
        ? { op: 'delete', noteId: row.note.id, version: row.note.version, cursor: after }
        : { op: 'upsert', note: row.note, cursor: after };
    });
    return { changes, nextCursor: changes.at(-1)?.cursor ?? endOfPass, hasMore };
  };
}
