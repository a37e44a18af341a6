import { preparedStatement, type Queryable, type Transaction } from '@notes/postgres';
import type { NotesRepository } from '../app/ports.ts';
import type { Note } from '../domain/note.ts';
import { unfilteredList } from '../domain/note-filter.ts';

export interface NoteRow {
  id: string;
  owner_id: string;
  title: string;
  content: string;
  tags: string[];
  pinned: boolean;
  archived: boolean;
  // bigint arrives as a string; timestamptz as a Date.
  version: string;
  created_at: Date;
  updated_at: Date;
}

export const noteColumns = 'id, owner_id, title, content, tags, pinned, archived, version, created_at, updated_at';

/** What a note is to the platform (notes.kind): the owner's own, or the one SignUpSaga makes. */
type NoteKind = 'note' | 'welcome';

// Inserts take change_xid (the change feed's position, ADR 0011) from its default; every UPDATE
// sets it to its own transaction's id.
// Every statement is prepared: parsed and planned once per connection, then only bound and executed.
const insertText = `INSERT INTO notes (${noteColumns}, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;
const insertNote = preparedStatement(insertText);
// notes_one_welcome_note_per_owner_idx decides, also between two transactions racing.
const insertWelcomeNote = preparedStatement(`${insertText} ON CONFLICT (owner_id) WHERE kind = 'welcome' DO NOTHING`);
const selectLiveText = `SELECT ${noteColumns} FROM notes WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL`;
const selectLive = preparedStatement(selectLiveText);
const selectLiveForUpdate = preparedStatement(`${selectLiveText} FOR UPDATE`);
// The row comparison walks the (owner_id, created_at DESC, id DESC) index from the position on; the
// filter ($3 archived, $4 pinned or NULL for both, $5 tags every one of which a note carries) is
// checked on the rows of that walk, so each filter pages in the same order, by the same keyset.
const pageFilter = `owner_id = $1 AND deleted_at IS NULL
     AND archived = $3 AND ($4::boolean IS NULL OR pinned = $4) AND tags @> $5::text[]`;
const selectFirstPage = preparedStatement(
  `SELECT ${noteColumns} FROM notes WHERE ${pageFilter}
   ORDER BY created_at DESC, id DESC LIMIT $2`,
);
const selectPageAfter = preparedStatement(
  `SELECT ${noteColumns} FROM notes WHERE ${pageFilter}
     AND (created_at, id) < ($6, $7)
   ORDER BY created_at DESC, id DESC LIMIT $2`,
);
// "C" orders names by code point, as the tags of a note are sorted, whatever the database's locale.
const countTags = preparedStatement(
  `SELECT tag, count(*) AS count FROM notes CROSS JOIN LATERAL unnest(tags) AS tag
   WHERE owner_id = $1 AND deleted_at IS NULL
   GROUP BY tag ORDER BY count(*) DESC, tag COLLATE "C"`,
);
const updateLive = preparedStatement(
  `UPDATE notes SET title = $3, content = $4, tags = $5, pinned = $6, archived = $7, updated_at = $8,
     version = version + 1, change_xid = pg_current_xact_id()
   WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL AND ($9::bigint IS NULL OR version = $9)
   RETURNING ${noteColumns}`,
);
const softDeleteLive = preparedStatement(
  `UPDATE notes SET deleted_at = $3, change_xid = pg_current_xact_id()
   WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL RETURNING version`,
);
const deleteAllOf = preparedStatement('DELETE FROM notes WHERE owner_id = $1 RETURNING id, version, deleted_at');

function insertValues(note: Note, kind: NoteKind): unknown[] {
  return [
    note.id,
    note.ownerId,
    note.title,
    note.content,
    note.tags,
    note.pinned,
    note.archived,
    note.version,
    note.createdAt,
    note.updatedAt,
    kind,
  ];
}

export function toNote(row: NoteRow): Note {
  return {
    id: row.id,
    ownerId: row.owner_id,
    title: row.title,
    content: row.content,
    tags: row.tags,
    pinned: row.pinned,
    archived: row.archived,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The notes table's reads, through the pool (or a transaction). */
export function createNoteReads(db: Queryable): Pick<NotesRepository, 'findLive' | 'listLive' | 'countTags'> {
  return {
    async findLive({ ownerId, noteId }) {
      const { rows } = await db.query<NoteRow>(selectLive([noteId, ownerId]));
      return rows[0] === undefined ? undefined : toNote(rows[0]);
    },

    async listLive(ownerId, after, count, filter = unfilteredList) {
      const filterValues = [filter.archived, filter.pinned ?? null, filter.tags];
      const { rows } = await db.query<NoteRow>(
        after === undefined
          ? selectFirstPage([ownerId, count, ...filterValues])
          : selectPageAfter([ownerId, count, ...filterValues, after.createdAt, after.id]),
      );
      return rows.map(toNote);
    },

    async countTags(ownerId) {
      // count(*) is a bigint, which arrives as a string.
      const { rows } = await db.query<{ tag: string; count: string }>(countTags([ownerId]));
      return rows.map((row) => ({ tag: row.tag, count: Number(row.count) }));
    },
  };
}

/** The notes table in one transaction: a new note's row is a deferred write, sent with the transaction's other writes. */
export function createNotesRepository(tx: Transaction): NotesRepository {
  return {
    ...createNoteReads(tx),

    async lockLive({ ownerId, noteId }) {
      const { rows } = await tx.query<NoteRow>(selectLiveForUpdate([noteId, ownerId]));
      return rows[0] === undefined ? undefined : toNote(rows[0]);
    },

    async insert(note) {
      tx.defer(insertNote(insertValues(note, 'note')));
    },

    async insertWelcomeNote(note) {
      const { rowCount } = await tx.query(insertWelcomeNote(insertValues(note, 'welcome')));
      return rowCount === 1;
    },

    async updateLive(change) {
      const { rows } = await tx.query<NoteRow>(
        updateLive([
          change.noteId,
          change.ownerId,
          change.title,
          change.content,
          change.tags,
          change.pinned,
          change.archived,
          change.updatedAt,
          change.expectedVersion ?? null,
        ]),
      );
      return rows[0] === undefined ? undefined : toNote(rows[0]);
    },

    async softDeleteLive({ ownerId, noteId }, deletedAt) {
      const { rows } = await tx.query<{ version: string }>(softDeleteLive([noteId, ownerId, deletedAt]));
      return rows[0] === undefined ? undefined : { ownerId, noteId, version: Number(rows[0].version), deletedAt };
    },

    async deleteAllOf(ownerId, deletedAt) {
      const { rows } = await tx.query<{ id: string; version: string; deleted_at: Date | null }>(deleteAllOf([ownerId]));
      return rows
        .filter((row) => row.deleted_at === null)
        .map((row) => ({ ownerId, noteId: row.id, version: Number(row.version), deletedAt }));
    },
  };
}
