import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { NoteCreatedSchema, NoteDeletedSchema, NoteUpdatedSchema } from '@notes/contracts/common/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import type { Event } from '@notes/kafka';
import { appendToOutbox } from '@notes/outbox';
import type { Transaction } from '@notes/postgres';
import { v7 as uuidv7 } from 'uuid';
import type { NoteEvents } from '../app/ports.ts';
import type { Note } from '../domain/note.ts';

export interface NoteEventsOptions {
  /** A new event id; UUIDv7 by default (time-ordered). */
  newEventId?: () => string;
}

/**
 * A note's events written to the outbox in tx, the transaction that changes the note: each
 * becomes one row of the outbox (topic notes.events, aggregate = the note), a deferred write sent
 * with the transaction's other writes, which the relay publishes once the transaction committed. The use cases call them after writing the
 * note's row, so the row lock orders one note's events as their transactions commit.
 */
export function createNoteEvents(tx: Transaction, options: NoteEventsOptions = {}): NoteEvents {
  const newEventId = options.newEventId ?? (() => uuidv7());

  async function append(noteId: string, type: string, occurredAt: Date, payload: Uint8Array): Promise<void> {
    const event: Event = { eventId: newEventId(), aggregateId: noteId, type, occurredAt, payload };
    appendToOutbox(tx, topics.notesEvents, [event]);
  }

  return {
    created(note) {
      const payload = create(NoteCreatedSchema, noteState(note));
      return append(note.id, eventTypes.NoteCreated, note.createdAt, toBinary(NoteCreatedSchema, payload));
    },
    updated(note) {
      const payload = create(NoteUpdatedSchema, noteState(note));
      return append(note.id, eventTypes.NoteUpdated, note.updatedAt, toBinary(NoteUpdatedSchema, payload));
    },
    deleted({ noteId, ownerId, version, deletedAt }) {
      const payload = create(NoteDeletedSchema, {
        noteId,
        ownerId,
        version: BigInt(version),
        deletedAt: timestampFromDate(deletedAt),
      });
      return append(noteId, eventTypes.NoteDeleted, deletedAt, toBinary(NoteDeletedSchema, payload));
    },
  };
}

/** The note's whole state, as NoteCreated and NoteUpdated carry it (events.md, "Event-carried state"). */
function noteState(note: Note) {
  return {
    noteId: note.id,
    ownerId: note.ownerId,
    title: note.title,
    content: note.content,
    tags: note.tags,
    pinned: note.pinned,
    archived: note.archived,
    version: BigInt(note.version),
    createdAt: timestampFromDate(note.createdAt),
    updatedAt: timestampFromDate(note.updatedAt),
  };
}
