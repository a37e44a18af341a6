import { fromBinary } from '@bufbuild/protobuf';
import { sagaCommandTypes } from '@notes/contracts/names';
import { CreateWelcomeNoteSchema, DeleteUserNotesSchema } from '@notes/contracts/saga/v1/messages';
import type { SagaCommandHandler } from '@notes/service-main';
import type { CreateWelcomeNote } from '../app/create-welcome-note.ts';
import type { DeleteUserNotes } from '../app/delete-user-notes.ts';
import type { TransactionScope } from '../app/ports.ts';

export interface NotesSagaCommandUseCases {
  createWelcomeNote: CreateWelcomeNote;
  deleteUserNotes: DeleteUserNotes;
}

/**
 * notes-service as a saga participant: the commands of saga.commands it carries out, by type, each
 * decoded and run in the scope of the transaction that records it as processed.
 */
export function notesSagaCommands(
  useCases: NotesSagaCommandUseCases,
): Record<string, SagaCommandHandler<TransactionScope>> {
  return {
    [sagaCommandTypes.CreateWelcomeNote]: (command, payload, scope) =>
      useCases.createWelcomeNote({ ...command, userId: fromBinary(CreateWelcomeNoteSchema, payload).userId }, scope),
    [sagaCommandTypes.DeleteUserNotes]: (command, payload, scope) =>
      useCases.deleteUserNotes({ ...command, userId: fromBinary(DeleteUserNotesSchema, payload).userId }, scope),
  };
}
