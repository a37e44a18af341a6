import { NoteNotFound, VersionMismatch } from '../domain/errors.ts';
import { type Note, type NoteInput, normalizeNoteFields } from '../domain/note.ts';
import type { Clock, NoteRef, UnitOfWork } from './ports.ts';

/** The fields to change; one left undefined keeps the note's value. */
export type NotePatch = Partial<NoteInput>;

export interface PatchNoteCommand extends NoteRef {
  patch: NotePatch;
  /** Patch only if the note is at this version; undefined patches whatever version it is at. */
  expectedVersion: number | undefined;
}

export type PatchNote = (command: PatchNoteCommand) => Promise<Note>;

export interface PatchNoteDependencies {
  unitOfWork: UnitOfWork;
  clock: Clock;
}

/**
 * Changes only the fields given. The note is read with its row locked, so no other write comes
 * between the read and the update, and the merged note is checked whole before anything is
 * written: a patch that breaks a rule changes nothing and records no event.
 */
export function createPatchNote(deps: PatchNoteDependencies): PatchNote {
  return ({ patch, expectedVersion, ...ref }) =>
    deps.unitOfWork.run(async ({ notes, events }) => {
      const current = await notes.lockLive(ref);
      if (current === undefined) throw new NoteNotFound(ref.noteId);
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        throw new VersionMismatch(ref.noteId, expectedVersion, current.version);
      }
      const valid = normalizeNoteFields({
        title: patch.title ?? current.title,
        content: patch.content ?? current.content,
        tags: patch.tags ?? current.tags,
        pinned: patch.pinned ?? current.pinned,
        archived: patch.archived ?? current.archived,
      });
      const change = { ...ref, ...valid, updatedAt: deps.clock.now(), expectedVersion: current.version };
      const updated = await notes.updateLive(change);
      // The row is locked: the note cannot have changed or gone since it was read.
      if (updated === undefined) throw new Error(`note ${ref.noteId} changed under its row lock`);
      await events.updated(updated);
      return updated;
    });
}
