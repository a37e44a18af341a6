import { NoteNotFound } from '../domain/errors.ts';
import type { Clock, NoteRef, UnitOfWork } from './ports.ts';

export type DeleteNote = (ref: NoteRef) => Promise<void>;

export interface DeleteNoteDependencies {
  unitOfWork: UnitOfWork;
  clock: Clock;
}

/** Soft delete: the row stays with its deleted_at set, and no operation sees the note again. */
export function createDeleteNote(deps: DeleteNoteDependencies): DeleteNote {
  return (ref) =>
    deps.unitOfWork.run(async ({ notes, events }) => {
      const deletedAt = deps.clock.now();
      const deleted = await notes.softDeleteLive(ref, deletedAt);
      if (deleted === undefined) throw new NoteNotFound(ref.noteId);
      await events.deleted(deleted);
    });
}
