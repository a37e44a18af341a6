// The notes-service process: `node src/main.ts` serves gRPC and carries out saga commands until
// SIGTERM/SIGINT; `node src/main.ts migrate up|down` applies or reverts migrations and exits.
import { runService } from '@notes/service-main';
import { composeNotesService } from './compose.ts';
import { loadNotesConfig } from './config.ts';
import { migrateNotesDatabase } from './db/migrations.ts';

await runService(
  {
    name: 'notes-service',
    loadConfig: (env) => loadNotesConfig(env),
    compose: (config, logger) => composeNotesService(config, { logger }),
    migrate: { loadConfig: (env) => loadNotesConfig(env), apply: migrateNotesDatabase },
  },
  process.env,
  process.argv.slice(2),
);
