import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@connectrpc/connect';
import {
  CreateNoteResponseSchema,
  DeleteNoteResponseSchema,
  type Idempotency,
  type NoteChangeSchema,
  NoteOrder,
  type NoteSchema,
  type NotesService,
  PatchNoteResponseSchema,
  UpdateNoteResponseSchema,
} from '@notes/contracts/notes/v1';
import type { CreateNote } from '../app/create-note.ts';
import type { DeleteNote } from '../app/delete-note.ts';
import type { GetNote } from '../app/get-note.ts';
import type { FeedChange, ListChanges } from '../app/list-changes.ts';
import type { ListNotes } from '../app/list-notes.ts';
import type { ListTags } from '../app/list-tags.ts';
import type { PatchNote } from '../app/patch-note.ts';
import type { UnitOfWork } from '../app/ports.ts';
import type { UpdateNote } from '../app/update-note.ts';
import type { WriteOnce } from '../app/write-once.ts';
import type { Note } from '../domain/note.ts';
import type { NoteOrder as NoteOrderName } from '../domain/note-filter.ts';

// validationInterceptor lets only defined values through.
const sortNames: Record<NoteOrder, NoteOrderName | undefined> = {
  [NoteOrder.UNSPECIFIED]: undefined,
  [NoteOrder.RELEVANCE]: 'relevance',
  [NoteOrder.NEWEST]: 'newest',
};

/** The use cases that write, built on one unit of work. */
export interface NoteWrites {
  createNote: CreateNote;
  updateNote: UpdateNote;
  patchNote: PatchNote;
  deleteNote: DeleteNote;
}

export interface NotesUseCases extends NoteWrites {
  getNote: GetNote;
  listNotes: ListNotes;
  listTags: ListTags;
  listChanges: ListChanges;
  writeOnce: WriteOnce;
  /** The writes again, in the transaction of an idempotency key (writeOnce's). */
  writesIn(unitOfWork: UnitOfWork): NoteWrites;
}

/**
 * NotesService over the use cases: it only translates messages. Requests arrive validated against
 * the .proto rules (validationInterceptor); domain errors become statuses in errorInterceptor.
 */
export function notesServiceImpl(useCases: NotesUseCases): ServiceImpl<typeof NotesService> {
  const answer = answerOnce(useCases);
  return {
    async createNote({ ownerId, title, content, tags, pinned, archived, idempotency }) {
      const command = { ownerId, title, content, tags, pinned, archived };
      return answer(CreateNoteResponseSchema, ownerId, idempotency, async (writes) => ({
        note: toNoteMessage(await writes.createNote(command)),
      }));
    },
    async getNote({ ownerId, noteId }) {
      return { note: toNoteMessage(await useCases.getNote({ ownerId, noteId })) };
    },
    async listNotes({ ownerId, limit, cursor, archived, pinned, tag, q, sort }) {
      // Proto strings have no null: empty means "first page" in, "last page" out, "no search".
      const page = await useCases.listNotes({
        ownerId,
        limit,
        cursor: cursor === '' ? undefined : cursor,
        archived,
        pinned,
        tags: tag,
        q: q === '' ? undefined : q,
        sort: sortNames[sort],
      });
      return { notes: page.notes.map(toNoteMessage), nextCursor: page.nextCursor ?? '' };
    },
    async updateNote({ ownerId, noteId, title, content, tags, pinned, archived, expectedVersion, idempotency }) {
      const command = {
        ownerId,
        noteId,
        title,
        content,
        tags,
        pinned,
        archived,
        // 0 (not set) means "whatever version the note is at".
        expectedVersion: expectedVersion === 0n ? undefined : Number(expectedVersion),
      };
      return answer(UpdateNoteResponseSchema, ownerId, idempotency, async (writes) => ({
        note: toNoteMessage(await writes.updateNote(command)),
      }));
    },
    async patchNote({ ownerId, noteId, title, content, tags, pinned, archived, expectedVersion, idempotency }) {
      const command = {
        ownerId,
        noteId,
        // Unset fields arrive as undefined (proto3 optional), an unset tag list too.
        patch: { title, content, tags: tags?.tags, pinned, archived },
        expectedVersion: expectedVersion === 0n ? undefined : Number(expectedVersion),
      };
      return answer(PatchNoteResponseSchema, ownerId, idempotency, async (writes) => ({
        note: toNoteMessage(await writes.patchNote(command)),
      }));
    },
    async listTags({ ownerId }) {
      const tags = await useCases.listTags(ownerId);
      return { tags: tags.map(({ tag, count }) => ({ tag, count: BigInt(count) })) };
    },
    async deleteNote({ ownerId, noteId, idempotency }) {
      return answer(DeleteNoteResponseSchema, ownerId, idempotency, async (writes) => {
        await writes.deleteNote({ ownerId, noteId });
        return {};
      });
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

/**
 * A write's response: without an idempotency key, the write's own (no query more); with one, the
 * response recorded with the key (its protobuf bytes, so a replay answers the very same note),
 * marked replayed when it was recorded by an earlier request.
 */
function answerOnce(useCases: NotesUseCases) {
  return async <Desc extends DescMessage>(
    schema: Desc,
    ownerId: string,
    idempotency: Idempotency | undefined,
    write: (writes: NoteWrites) => Promise<MessageInitShape<Desc>>,
  ): Promise<MessageInitShape<Desc>> => {
    if (idempotency === undefined) return write(useCases);
    const { key, fingerprint } = idempotency;
    const { answer, replayed } = await useCases.writeOnce({ ownerId, key, fingerprint }, async (unitOfWork) =>
      toBinary(schema, create(schema, await write(useCases.writesIn(unitOfWork)))),
    );
    return { ...fromBinary(schema, answer), replayed } as MessageShape<Desc> as MessageInitShape<Desc>;
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
