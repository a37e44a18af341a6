import { create, toBinary } from '@bufbuild/protobuf';
import { NoteCreatedSchema, NoteDeletedSchema, NoteUpdatedSchema } from '@notes/contracts/common/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import type { Event } from '@notes/kafka';
import { appendToOutbox } from '@notes/outbox';
import type { Transaction } from '@notes/postgres';
import { v7 as uuidv7 } from 'uuid';
import type { NoteEvents } from '../app/ports.ts';

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
      const payload = create(NoteCreatedSchema, { noteId: note.id, ownerId: note.ownerId });
      return append(note.id, eventTypes.NoteCreated, note.createdAt, toBinary(NoteCreatedSchema, payload));
    },
    updated(note) {
      const payload = create(NoteUpdatedSchema, {
        noteId: note.id,
        ownerId: note.ownerId,
        version: BigInt(note.version),
      });
      return append(note.id, eventTypes.NoteUpdated, note.updatedAt, toBinary(NoteUpdatedSchema, payload));
    },
    deleted(ref, deletedAt) {
      const payload = create(NoteDeletedSchema, { noteId: ref.noteId, ownerId: ref.ownerId });
      return append(ref.noteId, eventTypes.NoteDeleted, deletedAt, toBinary(NoteDeletedSchema, payload));
    },
  };
}
