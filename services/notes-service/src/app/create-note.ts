import { assertValidNoteFields, type Note, type NoteFields } from '../domain/note.ts';
import type { Clock, NewId, UnitOfWork } from './ports.ts';

export interface CreateNoteCommand extends NoteFields {
  ownerId: string;
}

export type CreateNote = (command: CreateNoteCommand) => Promise<Note>;

export interface CreateNoteDependencies {
  unitOfWork: UnitOfWork;
  clock: Clock;
  newId: NewId;
}

export function createCreateNote(deps: CreateNoteDependencies): CreateNote {
  return async ({ ownerId, title, content }) => {
    assertValidNoteFields({ title, content });
    const now = deps.clock.now();
    const note: Note = { id: deps.newId(), ownerId, title, content, version: 1, createdAt: now, updatedAt: now };
    await deps.unitOfWork.run(async ({ notes, events }) => {
      await notes.insert(note);
      await events.created(note);
    });
    return note;
  };
}
