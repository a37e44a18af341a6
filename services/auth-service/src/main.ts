// auth-service's entry point, and the only file that reads process.env.
//   node src/main.ts                 serve gRPC and carry out saga commands until SIGTERM/SIGINT
//   node src/main.ts migrate up|down apply pending migrations (the service's, the outbox's, then
//                                    processed_events') / revert the newest one of each set (in
//                                    the reverse order)
import { ConfigError } from '@notes/config';
import { createLogger, type Logger } from '@notes/logger';
import { composeAuthService, migrateAuthDatabase } from './compose.ts';
import { loadAuthConfig, loadMigrationConfig } from './config.ts';

const [command, direction] = process.argv.slice(2);

try {
  if (command === 'migrate') {
    if (direction !== 'up' && direction !== 'down') exitWithUsage();
    const config = loadMigrationConfig({ env: process.env });
    await migrateAuthDatabase(config, direction, createServiceLogger(config.log.level));
  } else if (command === undefined) {
    await serve();
  } else {
    exitWithUsage();
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`auth-service: ${error.message}`);
  process.exit(1);
}

async function serve(): Promise<void> {
  const config = loadAuthConfig({ env: process.env });
  const logger = createServiceLogger(config.log.level);
  const service = composeAuthService(config, { logger });
  const shutdown = async (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'auth-service stopping');
    await service.stop();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  try {
    const { port } = await service.start();
    logger.info({ port }, 'auth-service listening');
  } catch (error) {
    logger.fatal({ err: error }, 'auth-service failed to start');
    await service.stop();
    process.exit(1);
  }
}

function createServiceLogger(level: string): Logger {
  return createLogger({ service: 'auth-service', level });
}

function exitWithUsage(): never {
  console.error('usage: node src/main.ts [migrate up|down]');
  process.exit(2);
}
