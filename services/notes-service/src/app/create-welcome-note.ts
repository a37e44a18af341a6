import type { Note } from '../domain/note.ts';
import { welcomeNoteFields } from '../domain/welcome-note.ts';
import type { Clock, NewId, SagaCommand, TransactionScope } from './ports.ts';

/** SignUpSaga's command for the new user's welcome note. */
export interface CreateWelcomeNoteCommand extends SagaCommand {
  userId: string;
}

/**
 * Creates the user's welcome note, with its NoteCreated, and answers succeeded. At most one per
 * user, ever: a command delivered or sent again finds the note there and only answers. It runs in
 * the scope of the transaction that records the command as processed, so all of it commits together.
 */
export type CreateWelcomeNote = (command: CreateWelcomeNoteCommand, scope: TransactionScope) => Promise<void>;

export interface CreateWelcomeNoteDependencies {
  clock: Clock;
  newId: NewId;
}

export function createCreateWelcomeNote(deps: CreateWelcomeNoteDependencies): CreateWelcomeNote {
  return async (command, { notes, events, replies }) => {
    const now = deps.clock.now();
    const note: Note = {
      id: deps.newId(),
      ownerId: command.userId,
      ...welcomeNoteFields,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    if (await notes.insertWelcomeNote(note)) await events.created(note);
    await replies.succeeded(command);
  };
}
