// notes-service as a process that refuses every welcome note (the end-to-end test of SignUpSaga's
// compensation runs it in place of src/main.ts). A test's entry: production has no such switch.
import { runService } from '@notes/service-main';
import { notesServiceEntry } from '../../src/compose.ts';
import { refuseWelcomeNotes } from './refusing-welcome-notes.ts';

await runService(notesServiceEntry({ createWelcomeNote: refuseWelcomeNotes }), process.env, process.argv.slice(2));
