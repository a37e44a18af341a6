// The saga-orchestrator process: `node src/main.ts` orchestrates sagas and serves gRPC until
// SIGTERM/SIGINT; `node src/main.ts migrate up|down` applies or reverts migrations and exits.
import { runService } from '@notes/service-main';
import { composeSagaOrchestrator } from './compose.ts';
import { loadSagaConfig } from './config.ts';
import { migrateSagaDatabase } from './db/migrations.ts';

await runService(
  {
    name: 'saga-orchestrator',
    loadConfig: (env) => loadSagaConfig(env),
    compose: (config, logger) => composeSagaOrchestrator(config, { logger }),
    migrate: { loadConfig: (env) => loadSagaConfig(env), apply: migrateSagaDatabase },
  },
  process.env,
  process.argv.slice(2),
);
