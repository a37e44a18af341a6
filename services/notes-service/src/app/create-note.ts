import { type Note, type NoteInput, normalizeNoteFields } from '../domain/note.ts';
import type { Clock, NewId, UnitOfWork } from './ports.ts';

export interface CreateNoteCommand extends NoteInput {
  ownerId: string;
}

export type CreateNote = (command: CreateNoteCommand) => Promise<Note>;

export interface CreateNoteDependencies {
  unitOfWork: UnitOfWork;
  clock: Clock;
  newId: NewId;
}

export function createCreateNote(deps: CreateNoteDependencies): CreateNote {
  return async ({ ownerId, ...fields }) => {
    const valid = normalizeNoteFields(fields);
    const now = deps.clock.now();
    const note: Note = { id: deps.newId(), ownerId, ...valid, version: 1, createdAt: now, updatedAt: now };
    await deps.unitOfWork.run(async ({ notes, events }) => {
      await notes.insert(note);
      await events.created(note);
    });
    return note;
  };
}
