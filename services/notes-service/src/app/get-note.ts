import { NoteNotFound } from '../domain/errors.ts';
import type { Note } from '../domain/note.ts';
import type { NoteRef, NotesRepository } from './ports.ts';

export type GetNote = (ref: NoteRef) => Promise<Note>;

export interface GetNoteDependencies {
  notes: Pick<NotesRepository, 'findLive'>;
}

export function createGetNote(deps: GetNoteDependencies): GetNote {
  return async (ref) => {
    const note = await deps.notes.findLive(ref);
    if (note === undefined) throw new NoteNotFound(ref.noteId);
    return note;
  };
}
