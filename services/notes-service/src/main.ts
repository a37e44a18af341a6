// The notes-service process: `node src/main.ts` serves gRPC and carries out saga commands until
// SIGTERM/SIGINT; `node src/main.ts migrate up|down` applies or reverts migrations and exits.
import { ConfigError } from '@notes/config';
import { createPool } from '@notes/postgres';
import { composeNotesService, createNotesLogger } from './compose.ts';
import { loadNotesConfig, type NotesConfig } from './config.ts';
import { migrateNotesDatabase } from './db/migrations.ts';

const usage = 'usage: node src/main.ts [migrate up|down]';

function loadConfigOrExit(): NotesConfig {
  try {
    return loadNotesConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`notes-service: ${error.message}`);
    process.exit(1);
  }
}

async function serve(config: NotesConfig): Promise<void> {
  const logger = createNotesLogger(config);
  const service = composeNotesService(config, { logger });
  const { port } = await service.start().catch(async (error: unknown) => {
    logger.fatal({ err: error }, 'notes-service failed to start');
    await service.stop().catch(() => undefined);
    return process.exit(1);
  });
  logger.info({ port }, 'notes-service listening');
  const shutdown = async (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'notes-service stopping');
    await service.stop();
    logger.info('notes-service stopped');
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

async function runMigrations(config: NotesConfig, direction: 'up' | 'down'): Promise<void> {
  const logger = createNotesLogger(config);
  const pool = createPool({
    dsn: config.database.dsn,
    maxConnections: 1,
    applicationName: 'notes-service-migrate',
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  try {
    const { applied, reverted } = await migrateNotesDatabase(pool, direction);
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
  console.error(`notes-service: ${usage}`);
  process.exit(2);
}
