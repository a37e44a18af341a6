import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@connectrpc/connect';
import type { NoteChangeSchema, NoteSchema, NotesService } from '@notes/contracts/notes/v1';
import type { CreateNote } from '../app/create-note.ts';
import type { DeleteNote } from '../app/delete-note.ts';
import type { GetNote } from '../app/get-note.ts';
import type { FeedChange, ListChanges } from '../app/list-changes.ts';
import type { ListNotes } from '../app/list-notes.ts';
import type { ListTags } from '../app/list-tags.ts';
import type { PatchNote } from '../app/patch-note.ts';
import type { UpdateNote } from '../app/update-note.ts';
import type { Note } from '../domain/note.ts';

export interface NotesUseCases {
  createNote: CreateNote;
  getNote: GetNote;
  listNotes: ListNotes;
  updateNote: UpdateNote;
  patchNote: PatchNote;
  listTags: ListTags;
  deleteNote: DeleteNote;
  listChanges: ListChanges;
}

/**
 * NotesService over the use cases: it only translates messages. Requests arrive validated against
 * the .proto rules (validationInterceptor); domain errors become statuses in errorInterceptor.
 */
export function notesServiceImpl(useCases: NotesUseCases): ServiceImpl<typeof NotesService> {
  return {
    async createNote({ ownerId, title, content, tags, pinned, archived }) {
      return { note: toNoteMessage(await useCases.createNote({ ownerId, title, content, tags, pinned, archived })) };
    },
    async getNote({ ownerId, noteId }) {
      return { note: toNoteMessage(await useCases.getNote({ ownerId, noteId })) };
    },
    async listNotes({ ownerId, limit, cursor, archived, pinned, tag }) {
      // Proto strings have no null: empty means "first page" in, "last page" out.
      const page = await useCases.listNotes({
        ownerId,
        limit,
        cursor: cursor === '' ? undefined : cursor,
        archived,
        pinned,
        tags: tag,
      });
      return { notes: page.notes.map(toNoteMessage), nextCursor: page.nextCursor ?? '' };
    },
    async updateNote({ ownerId, noteId, title, content, tags, pinned, archived, expectedVersion }) {
      const note = await useCases.updateNote({
        ownerId,
        noteId,
        title,
        content,
        tags,
        pinned,
        archived,
        // 0 (not set) means "whatever version the note is at".
        expectedVersion: expectedVersion === 0n ? undefined : Number(expectedVersion),
      });
      return { note: toNoteMessage(note) };
    },
    async patchNote({ ownerId, noteId, title, content, tags, pinned, archived, expectedVersion }) {
      const note = await useCases.patchNote({
        ownerId,
        noteId,
        // Unset fields arrive as undefined (proto3 optional), an unset tag list too.
        patch: { title, content, tags: tags?.tags, pinned, archived },
        expectedVersion: expectedVersion === 0n ? undefined : Number(expectedVersion),
      });
      return { note: toNoteMessage(note) };
    },
    async listTags({ ownerId }) {
      const tags = await useCases.listTags(ownerId);
      return { tags: tags.map(({ tag, count }) => ({ tag, count: BigInt(count) })) };
    },
    async deleteNote({ ownerId, noteId }) {
      await useCases.deleteNote({ ownerId, noteId });
      return {};
    },
    async listNoteChanges({ ownerId, limit, cursor }) {
      // An empty cursor asks for a full sync.
      const page = await useCases.listChanges({ ownerId, limit, cursor: cursor === '' ? undefined : cursor });
      return { changes: page.changes.map(toChangeMessage), nextCursor: page.nextCursor, hasMore: page.hasMore };
    },
  };
}

function toChangeMessage(change: FeedChange): MessageInitShape<typeof NoteChangeSchema> {
  return change.op === 'upsert'
    ? { change: { case: 'upsert', value: toNoteMessage(change.note) }, cursor: change.cursor }
    : {
        change: { case: 'delete', value: { id: change.noteId, version: BigInt(change.version) } },
        cursor: change.cursor,
      };
}

function toNoteMessage(note: Note): MessageInitShape<typeof NoteSchema> {
  return {
    id: note.id,
    ownerId: note.ownerId,
    title: note.title,
    content: note.content,
    tags: note.tags,
    pinned: note.pinned,
    archived: note.archived,
    createdAt: timestampFromDate(note.createdAt),
    updatedAt: timestampFromDate(note.updatedAt),
    version: BigInt(note.version),
  };
}
