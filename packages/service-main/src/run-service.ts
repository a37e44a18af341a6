// Every service's main.ts is one runService call: what differs between them is passed in, the
// process handling (settings errors, tracing, signals, the migrate command) is written once here.
import { ConfigError } from '@notes/config';
import { type GrpcTls, reloadGrpcTls } from '@notes/grpc';
import { createLogger, type Logger } from '@notes/logger';
import { createPool, type MigrationResult, type Pool } from '@notes/postgres';
import { startTelemetry } from '@notes/telemetry/sdk';

type Env = Record<string, string | undefined>;

/** What a service's composition root hands back: started, stopped, and given renewed certificates. */
interface ComposedService {
  /** Resolves with what the "listening" line reports (the bound ports). */
  start(): Promise<object | undefined>;
  /** Drains in-flight work and releases connections. */
  stop(): Promise<void>;
  reloadGrpcTls(tls: GrpcTls): void;
}

/** `migrate up|down`: the settings it needs and the migrations it applies to the service's database. */
export interface MigrationCommand {
  /** May read fewer settings than serving does (auth-service needs no signing key to migrate). */
  loadConfig(env: Env): { database: { dsn: string }; log: { level: string } };
  apply(pool: Pool, direction: 'up' | 'down'): Promise<MigrationResult>;
}

export interface ServiceEntry<Config extends { log: { level: string }; grpcTls: GrpcTls | undefined }> {
  /** service.name in logs and traces, and the prefix of every message to stderr. */
  name: string;
  /** Reads config.yaml with the environment's overrides; throws ConfigError naming a bad setting. */
  loadConfig(env: Env): Config;
  compose(config: Config, logger: Logger): ComposedService;
  /** Without it, the service has no `migrate` command (bff-rest: no database). */
  migrate?: MigrationCommand;
}

/** The command line: nothing (serve), `migrate up|down`, or anything else (a usage error). */
export function parseCommand(
  args: readonly string[],
  migrates: boolean,
): { command: 'serve' } | { command: 'migrate'; direction: 'up' | 'down' } | { command: 'usage'; usage: string } {
  const usage = migrates ? 'usage: node src/main.ts [migrate up|down]' : 'usage: node src/main.ts';
  if (args.length === 0) return { command: 'serve' };
  const [command, direction, ...extra] = args;
  if (migrates && command === 'migrate' && (direction === 'up' || direction === 'down') && extra.length === 0) {
    return { command: 'migrate', direction };
  }
  return { command: 'usage', usage };
}

/**
 * Runs the service this process is: serves until SIGTERM/SIGINT (then drains and exits 0; a second
 * signal ends it at once), re-reads its certificates on SIGHUP (a rotated Secret, no restart), or
 * runs `migrate up|down` and exits. A bad setting exits 1 with one line naming it, a bad command
 * line exits 2. Only main.ts calls it, with process.env and process.argv.
 */
export async function runService<Config extends { log: { level: string }; grpcTls: GrpcTls | undefined }>(
  entry: ServiceEntry<Config>,
  env: Env,
  args: readonly string[],
): Promise<void> {
  const parsed = parseCommand(args, entry.migrate !== undefined);
  if (parsed.command === 'usage') exit(entry.name, parsed.usage, 2);
  try {
    if (parsed.command === 'migrate' && entry.migrate) await migrate(entry.name, entry.migrate, env, parsed.direction);
    else await serve(entry, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    exit(entry.name, error.message, 1);
  }
}

async function serve<Config extends { log: { level: string }; grpcTls: GrpcTls | undefined }>(
  entry: ServiceEntry<Config>,
  env: Env,
): Promise<void> {
  const config = entry.loadConfig(env);
  const logger = createLogger({ service: entry.name, level: config.log.level });
  // Before the graph is built: everything traces through the global API this registers.
  const telemetry = await startTelemetry({ serviceName: entry.name, env, logger });
  const service = entry.compose(config, logger);
  const stop = async (signal: NodeJS.Signals) => {
    logger.info({ signal }, `${entry.name} stopping`);
    await service.stop();
    await telemetry.shutdown();
    logger.info(`${entry.name} stopped`);
    process.exit(0);
  };
  // `once`: a second signal while draining ends the process the default way, at once.
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.on('SIGHUP', () =>
    reloadGrpcTls(
      () => entry.loadConfig(env).grpcTls,
      (tls) => service.reloadGrpcTls(tls),
      logger,
    ),
  );
  try {
    logger.info(await service.start(), `${entry.name} listening`);
  } catch (error) {
    logger.fatal({ err: error }, `${entry.name} failed to start`);
    await service.stop().catch(() => undefined);
    await telemetry.shutdown();
    process.exit(1);
  }
}

async function migrate(name: string, command: MigrationCommand, env: Env, direction: 'up' | 'down'): Promise<void> {
  const config = command.loadConfig(env);
  const logger = createLogger({ service: name, level: config.log.level });
  const pool = createPool({
    dsn: config.database.dsn,
    maxConnections: 1,
    applicationName: `${name}-migrate`,
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  try {
    const { applied, reverted } = await command.apply(pool, direction);
    logger.info({ applied, reverted }, `migrate ${direction} done`);
  } finally {
    await pool.end();
  }
}

function exit(name: string, message: string, code: number): never {
  console.error(`${name}: ${message}`);
  process.exit(code);
}
