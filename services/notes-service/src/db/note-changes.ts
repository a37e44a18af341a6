import { preparedStatement, type Queryable } from '@notes/postgres';
import type { NoteChanges } from '../app/list-changes.ts';
import type { DeletedNotesPurge } from '../app/purge-deleted-notes.ts';
import type { Snapshot } from '../domain/change-cursor.ts';
import { type NoteRow, noteColumns, toNote } from './notes-repository.ts';

interface ChangeRow extends Partial<NoteRow> {
  /** The read's own snapshot, and the purge horizon it saw: on every row, even when no note changed. */
  snapshot: string;
  purged_through: string;
  // change_xid as text (xid8 has no JavaScript type), named xid: an output column named change_xid
  // would be what ORDER BY sorts, as text. Null with the note's columns when no note changed.
  xid: string | null;
  deleted: boolean | null;
}

// One statement, so the rows, the snapshot it reads them under (pg_current_snapshot() is the
// statement's own in READ COMMITTED) and the purge horizon agree. The LEFT JOIN answers the
// snapshot even for an empty page. $3 since (NULL: a full sync, live notes only), $4 the bound of
// a pass under way, $5/$6 the position it resumes after; $2 is the index range's lower end: no
// transaction below since's xmin is unseen by it, and none below the position follows it.
const selectChanges = preparedStatement(
  `SELECT pg_current_snapshot()::text AS snapshot,
     (SELECT purged_through FROM note_change_purges)::text AS purged_through, page.*
   FROM (VALUES (true)) AS answer (present)
   LEFT JOIN LATERAL (
     SELECT change_xid::text AS xid, deleted_at IS NOT NULL AS deleted, ${noteColumns}
     FROM notes
     WHERE owner_id = $1 AND change_xid >= $2::xid8
       AND ($3::pg_snapshot IS NULL OR NOT pg_visible_in_snapshot(change_xid, $3::pg_snapshot))
       AND ($3::pg_snapshot IS NOT NULL OR deleted_at IS NULL)
       AND ($4::pg_snapshot IS NULL OR pg_visible_in_snapshot(change_xid, $4::pg_snapshot))
       AND ($5::xid8 IS NULL OR (change_xid, id) > ($5::xid8, $6::uuid))
     ORDER BY change_xid, id
     LIMIT $7
   ) AS page ON true`,
);

// The deletions past their retention, oldest first, a chunk per statement; the horizon moves in the
// same statement, so no reader ever sees the rows gone without it.
const purgeDeleted = preparedStatement(
  `WITH purged AS (
     DELETE FROM notes WHERE id IN (
       SELECT id FROM notes WHERE deleted_at < $1 ORDER BY deleted_at LIMIT $2 FOR UPDATE SKIP LOCKED
     )
     RETURNING change_xid
   ), horizon AS (
     UPDATE note_change_purges SET purged_through = GREATEST(purged_through, (SELECT max(change_xid) FROM purged))
     WHERE EXISTS (SELECT FROM purged)
   )
   SELECT count(*)::int AS purged FROM purged`,
);

function snapshotText(snapshot: Snapshot | undefined): string | null {
  return snapshot === undefined ? null : `${snapshot.xmin}:${snapshot.xmax}:${snapshot.inProgress.join(',')}`;
}

/** PostgreSQL's text form of a pg_snapshot, "xmin:xmax:xip,xip". */
function parseSnapshot(text: string): Snapshot {
  const [xmin = '', xmax = '', inProgress = ''] = text.split(':');
  return {
    xmin: BigInt(xmin),
    xmax: BigInt(xmax),
    inProgress: inProgress === '' ? [] : inProgress.split(',').map(BigInt),
  };
}

/** The change feed's reads of the notes table, through the pool. */
export function createNoteChanges(db: Queryable): NoteChanges & DeletedNotesPurge {
  return {
    async read({ ownerId, since, until, after, count }) {
      const from = [since?.xmin ?? 0n, after?.xid ?? 0n].reduce((a, b) => (a > b ? a : b));
      const { rows } = await db.query<ChangeRow>(
        selectChanges([
          ownerId,
          from.toString(),
          snapshotText(since),
          snapshotText(until),
          after?.xid.toString() ?? null,
          after?.noteId ?? null,
          count,
        ]),
      );
      const [first] = rows;
      if (first === undefined) throw new Error('the change feed query answered no row');
      return {
        snapshot: parseSnapshot(first.snapshot),
        purgedThrough: BigInt(first.purged_through),
        changes: rows.flatMap((row) =>
          row.xid === null
            ? []
            : [{ xid: BigInt(row.xid), deleted: row.deleted === true, note: toNote(row as NoteRow) }],
        ),
      };
    },

    async purgeDeletedBefore(cutoff, chunkSize) {
      const { rows } = await db.query<{ purged: number }>(purgeDeleted([cutoff, chunkSize]));
      return rows[0]?.purged ?? 0;
    },
  };
}
