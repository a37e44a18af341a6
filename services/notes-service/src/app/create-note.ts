import { assertValidNoteFields, type Note, type NoteFields } from '../domain/note.ts';
import type { Clock, InTransaction, NewId } from './ports.ts';

export interface CreateNoteCommand extends NoteFields {
  ownerId: string;
}

export type CreateNote = (command: CreateNoteCommand) => Promise<Note>;

export interface CreateNoteDeps {
  inTransaction: InTransaction;
  clock: Clock;
  newId: NewId;
}

export function makeCreateNote(deps: CreateNoteDeps): CreateNote {
  return async ({ ownerId, title, content }) => {
    assertValidNoteFields({ title, content });
    const now = deps.clock.now();
    const note: Note = { id: deps.newId(), ownerId, title, content, version: 1, createdAt: now, updatedAt: now };
    await deps.inTransaction(async ({ notes, events }) => {
      await notes.insert(note);
      await events.created(note);
    });
    return note;
  };
}
