// Who may call each method of NotesService (mutual TLS identities, docs/security.md): only the BFF,
// on behalf of the signed-in owner; the sagas reach notes-service over Kafka, not gRPC.
import { NotesService } from '@notes/contracts/notes/v1';
import { allowCallers, callers } from '@notes/grpc';

const { bffRest } = callers;

export const notesServiceCallers = allowCallers(NotesService, {
  createNote: [bffRest],
  getNote: [bffRest],
  listNotes: [bffRest],
  updateNote: [bffRest],
  patchNote: [bffRest],
  deleteNote: [bffRest],
  listTags: [bffRest],
  listNoteChanges: [bffRest],
});
