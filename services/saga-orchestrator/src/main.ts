// The saga-orchestrator process: `node src/main.ts` orchestrates sagas and serves gRPC until
// SIGTERM/SIGINT; `node src/main.ts migrate up|down` applies or reverts migrations and exits.
import { ConfigError } from '@notes/config';
import { createPool } from '@notes/postgres';
import { composeSagaOrchestrator, createSagaLogger } from './compose.ts';
import { loadSagaConfig, type SagaConfig } from './config.ts';
import { migrateSagaDatabase } from './db/migrations.ts';

const usage = 'usage: node src/main.ts [migrate up|down]';

function loadConfigOrExit(): SagaConfig {
  try {
    return loadSagaConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`saga-orchestrator: ${error.message}`);
    process.exit(1);
  }
}

async function serve(config: SagaConfig): Promise<void> {
  const logger = createSagaLogger(config);
  const service = composeSagaOrchestrator(config, { logger });
  const { port, httpPort } = await service.start().catch(async (error: unknown) => {
    logger.fatal({ err: error }, 'saga-orchestrator failed to start');
    await service.stop().catch(() => undefined);
    return process.exit(1);
  });
  logger.info({ port, httpPort }, 'saga-orchestrator listening');
  const shutdown = async (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'saga-orchestrator stopping');
    await service.stop();
    logger.info('saga-orchestrator stopped');
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

async function runMigrations(config: SagaConfig, direction: 'up' | 'down'): Promise<void> {
  const logger = createSagaLogger(config);
  const pool = createPool({
    dsn: config.database.dsn,
    maxConnections: 1,
    applicationName: 'saga-orchestrator-migrate',
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  try {
    const { applied, reverted } = await migrateSagaDatabase(pool, direction);
    logger.info({ applied, reverted }, `migrate ${direction} done`);
  } finally {
    await pool.end();
  }
}

const [command, direction, ...extra] = process.argv.slice(2);
if (command === undefined) {
  await serve(loadConfigOrExit());
} else if (command === 'migrate' && (direction === 'up' || direction === 'down') && extra.length === 0) {
  await runMigrations(loadConfigOrExit(), direction);
} else {
  console.error(`saga-orchestrator: ${usage}`);
  process.exit(2);
}
