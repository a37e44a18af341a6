import type { Clock, SagaCommand, TransactionScope } from './ports.ts';

/** DeleteUserSaga's command to remove every note of the user whose account is going away. */
export interface DeleteUserNotesCommand extends SagaCommand {
  userId: string;
}

/**
 * Deletes every note of the user for good (the account is going away: nothing is kept), records a
 * NoteDeleted for each note that was live, and answers succeeded. A command sent again finds
 * nothing left and only answers. It runs in the scope of the transaction that records the command
 * as processed, so all of it commits together.
 */
export type DeleteUserNotes = (command: DeleteUserNotesCommand, scope: TransactionScope) => Promise<void>;

export interface DeleteUserNotesDependencies {
  clock: Clock;
}

export function createDeleteUserNotes(deps: DeleteUserNotesDependencies): DeleteUserNotes {
  return async (command, { notes, events, replies }) => {
    const deletedAt = deps.clock.now();
    for (const deleted of await notes.deleteAllOf(command.userId, deletedAt)) await events.deleted(deleted);
    await replies.succeeded(command);
  };
}
