import { NoteNotFound } from '../domain/errors.ts';
import type { Clock, InTransaction, NoteRef } from './ports.ts';

export type DeleteNote = (ref: NoteRef) => Promise<void>;

export interface DeleteNoteDeps {
  inTransaction: InTransaction;
  clock: Clock;
}

/** Soft delete: the row stays with its deleted_at set, and no operation sees the note again. */
export function makeDeleteNote(deps: DeleteNoteDeps): DeleteNote {
  return (ref) =>
    deps.inTransaction(async ({ notes, events }) => {
      const deletedAt = deps.clock.now();
      if (!(await notes.softDeleteLive(ref, deletedAt))) throw new NoteNotFound(ref.noteId);
      await events.deleted(ref, deletedAt);
    });
}
