import { NoteNotFound, VersionMismatch } from '../domain/errors.ts';
import { type Note, type NoteInput, normalizeNoteFields } from '../domain/note.ts';
import type { Clock, NoteRef, UnitOfWork } from './ports.ts';

export interface UpdateNoteCommand extends NoteRef, NoteInput {
  /** Update only if the note is at this version; undefined updates whatever version it is at. */
  expectedVersion: number | undefined;
}

export type UpdateNote = (command: UpdateNoteCommand) => Promise<Note>;

export interface UpdateNoteDependencies {
  unitOfWork: UnitOfWork;
  clock: Clock;
}

export function createUpdateNote(deps: UpdateNoteDependencies): UpdateNote {
  return async (command) => {
    const valid = normalizeNoteFields(command);
    return deps.unitOfWork.run(async ({ notes, events }) => {
      // The version check is part of the UPDATE itself, so no concurrent update slips in between.
      const updated = await notes.updateLive({ ...command, ...valid, updatedAt: deps.clock.now() });
      if (updated !== undefined) {
        await events.updated(updated);
        return updated;
      }
      // Nothing matched. With a version expected, a note that is still live means that version was stale.
      if (command.expectedVersion !== undefined) {
        const current = await notes.findLive(command);
        if (current !== undefined) throw new VersionMismatch(command.noteId, command.expectedVersion, current.version);
      }
      throw new NoteNotFound(command.noteId);
    });
  };
}
