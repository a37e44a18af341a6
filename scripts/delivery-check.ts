// `make delivery-check`: delivery reconciliation (docs/contract/events.md, "Delivery can be proven").
// For each consumer group of the platform, the events its producers' outboxes published more than
// --older-than ago (default 5m; below the outbox's one-hour retention of sent rows) that the group
// has not recorded in its processed_events: each named, with its topic, type, aggregate and when
// it was published. Exit code 1 when any is named.
// With --serve <port> it is the delivery reconciler the Helm chart and docker compose deploy: it
// counts again every --interval (default 1m) and serves on /metrics delivery_unprocessed_events{group}
// (for the NotesDeliveryNotProven alert), delivery_reconciliation_failing, and dependency_up of each
// database; a database away is logged and the last counts are kept, never a crash; SIGTERM ends it.
//   AUTH_DB_DSN=... NOTES_DB_DSN=... SAGA_DB_DSN=... node scripts/delivery-check.ts [--older-than 10m] [--serve 9464 [--host 0.0.0.0] [--interval 30s]]
// The groups' names follow the services' settings: AUTH_CONSUMER_GROUP, NOTES_CONSUMER_GROUP, SAGA_CONSUMER_GROUP.
// The images run it bundled (scripts/bundle.ts): saga-orchestrator's image holds dist/delivery-check.js.
import { parseArgs } from 'node:util';
import { sagaCommandTypes, topics } from '@notes/contracts/names';
import { createLogger } from '@notes/logger';
import {
  createMetricsRegistry,
  createOperationsServer,
  createReadiness,
  startDependencyWatch,
} from '@notes/operations';
import {
  createDeliveryReconciliationMetrics,
  type DeliveryReconciliationOptions,
  findUnprocessedEvents,
} from '@notes/outbox';
import { createPool, type Pool } from '@notes/postgres';
import { startPeriodicJob } from '@notes/scheduling';

const env = process.env;
const { values } = parseArgs({
  options: {
    'older-than': { type: 'string', default: '5m' },
    serve: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    interval: { type: 'string', default: '1m' },
  },
});

function durationMs(option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (match === null) throw new Error(`--${option} ${text}: a duration such as 30s, 5m or 1h`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

function dsn(name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is required (the database's connection string)`);
  return value;
}

const pool = (name: string, variable: string) =>
  createPool({ dsn: dsn(variable), maxConnections: 2, applicationName: `delivery-check (${name})` });

async function main(): Promise<number> {
  const databases = {
    auth: pool('auth-service', 'AUTH_DB_DSN'),
    notes: pool('notes-service', 'NOTES_DB_DSN'),
    saga: pool('saga-orchestrator', 'SAGA_DB_DSN'),
  };
  // Which group records which published events: the orchestrator every event of auth.events and
  // every reply; each participant the saga commands its handler map answers.
  const reconciliation: DeliveryReconciliationOptions = {
    publishedBeforeMs: durationMs('older-than', values['older-than']),
    sources: [
      { name: 'auth-service', db: databases.auth },
      { name: 'notes-service', db: databases.notes },
      { name: 'saga-orchestrator', db: databases.saga },
    ],
    groups: [
      {
        group: env.SAGA_CONSUMER_GROUP || 'saga-orchestrator',
        db: databases.saga,
        processes: { [topics.authEvents]: 'every', [topics.sagaReplies]: 'every' },
      },
      {
        group: env.AUTH_CONSUMER_GROUP || 'auth-service',
        db: databases.auth,
        processes: { [topics.sagaCommands]: [sagaCommandTypes.DeleteUser] },
      },
      {
        group: env.NOTES_CONSUMER_GROUP || 'notes-service',
        db: databases.notes,
        processes: { [topics.sagaCommands]: [sagaCommandTypes.CreateWelcomeNote, sagaCommandTypes.DeleteUserNotes] },
      },
    ],
  };
  const closeAll = () => Promise.all(Object.values(databases).map((db) => db.end()));
  if (values.serve !== undefined) {
    await serve(reconciliation, databases);
    await closeAll();
    return 0;
  }
  try {
    const unprocessed = await findUnprocessedEvents(reconciliation);
    let total = 0;
    for (const [group, events] of unprocessed) {
      total += events.length;
      console.log(`${group}: ${events.length} unprocessed event(s) published more than ${values['older-than']} ago`);
      for (const event of events) {
        console.log(
          `  ${event.eventId} ${event.topic} ${event.type} aggregate ${event.aggregateId} published ${event.sentAt.toISOString()} by ${event.source}`,
        );
      }
    }
    return total === 0 ? 0 : 1;
  } finally {
    await closeAll();
  }
}

/**
 * The deployed reconciler: counts every --interval, serves the metrics until SIGTERM or SIGINT. A
 * database away fails the count (logged, delivery_reconciliation_failing 1, the counts kept) and
 * is told once by the dependency watch when it goes and when it is back.
 */
async function serve(reconciliation: DeliveryReconciliationOptions, databases: Record<string, Pool>): Promise<void> {
  const everyMs = durationMs('interval', values.interval);
  // Asked for from the start: a SIGTERM during the first count ends it as one afterwards does.
  const stopRequested = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const logger = createLogger({ service: 'delivery-reconciler', level: env.LOG_LEVEL || 'info' });
  const registry = createMetricsRegistry();
  const metrics = createDeliveryReconciliationMetrics(registry, reconciliation);
  const watch = startDependencyWatch({
    registry,
    logger,
    dependencies: Object.entries(databases).map(([name, db]) => ({
      name: `${name} database`,
      check: () => db.query('SELECT 1'),
      meanwhile: 'delivery_unprocessed_events keeps its last counts',
    })),
  });
  const reconcile = async () => {
    await metrics.refresh();
    logger.debug('delivery reconciled');
  };
  const onError = (error: unknown) =>
    logger.warn({ err: error }, 'delivery reconciliation failed; the counts are those of the last success');
  await reconcile().catch(onError);
  const job = startPeriodicJob({ everyMs, run: reconcile, onError });
  const server = createOperationsServer({
    host: values.host,
    port: Number(values.serve),
    registry,
    readiness: createReadiness([]),
  });
  const port = await server.listen();
  console.log(`delivery-check: delivery_unprocessed_events on http://${values.host}:${port}/metrics`);
  const signal = await stopRequested;
  logger.info({ signal }, 'delivery reconciler stopping');
  watch.stop();
  await job.stop();
  await server.close();
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`delivery-check: ${(error as Error).message}`);
  process.exitCode = 2;
}
