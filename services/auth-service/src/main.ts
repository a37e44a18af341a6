// auth-service's entry point, and the only file that reads process.env.
//   node src/main.ts                 serve gRPC and carry out saga commands until SIGTERM/SIGINT
//   node src/main.ts migrate up|down apply pending migrations (the service's, the outbox's, then
//                                    processed_events') / revert the newest one of each set (in
//                                    the reverse order)
import { runService } from '@notes/service-main';
import { authServiceEntry } from './compose.ts';

await runService(authServiceEntry(), process.env, process.argv.slice(2));
