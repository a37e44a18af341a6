// The saga-orchestrator process: `node src/main.ts` orchestrates sagas and serves gRPC until
// SIGTERM/SIGINT; `node src/main.ts migrate up|down` applies or reverts migrations and exits.
import { runService } from '@notes/service-main';
import { sagaOrchestratorEntry } from './compose.ts';

await runService(sagaOrchestratorEntry(), process.env, process.argv.slice(2));
