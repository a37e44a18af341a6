// The notes-service process: `node src/main.ts` serves gRPC and carries out saga commands until
// SIGTERM/SIGINT; `node src/main.ts migrate up|down` applies or reverts migrations and exits.
import { runService } from '@notes/service-main';
import { notesServiceEntry } from './compose.ts';

await runService(notesServiceEntry(), process.env, process.argv.slice(2));
