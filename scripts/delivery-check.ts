// `make delivery-check`: delivery reconciliation (docs/contract/events.md, "Delivery can be proven").
// For each consumer group of the platform, the events its producers' outboxes published more than
// --older-than ago (default 5m; below the outbox's one-hour retention of sent rows) that the group
// has not recorded in its processed_events: each named, with its topic, type, aggregate and when
// it was published. Exit code 1 when any is named. With --serve <port> it keeps running and
// serves delivery_unprocessed_events{group} (the same count, asked at each scrape) on /metrics,
// for Prometheus and the DeliveryNotProven alert.
//   AUTH_DB_DSN=... NOTES_DB_DSN=... SAGA_DB_DSN=... node scripts/delivery-check.ts [--older-than 10m] [--serve 9464]
// The groups' names follow the services' settings: AUTH_CONSUMER_GROUP, NOTES_CONSUMER_GROUP, SAGA_CONSUMER_GROUP.
import { parseArgs } from 'node:util';
import { sagaCommandTypes, topics } from '@notes/contracts/names';
import { createMetricsRegistry, createOperationsServer, createReadiness } from '@notes/operations';
import {
  createDeliveryReconciliationMetrics,
  type DeliveryReconciliationOptions,
  findUnprocessedEvents,
} from '@notes/outbox';
import { createPool } from '@notes/postgres';

const env = process.env;
const { values } = parseArgs({
  options: {
    'older-than': { type: 'string', default: '5m' },
    serve: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (match === null) throw new Error(`--older-than ${text}: a duration such as 30s, 5m or 1h`);
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
    publishedBeforeMs: durationMs(values['older-than']),
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
    const registry = createMetricsRegistry();
    createDeliveryReconciliationMetrics(registry, reconciliation);
    const server = createOperationsServer({
      host: values.host,
      port: Number(values.serve),
      registry,
      readiness: createReadiness([]),
    });
    const port = await server.listen();
    console.log(`delivery-check: delivery_unprocessed_events on http://${values.host}:${port}/metrics`);
    await new Promise((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await server.close();
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

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`delivery-check: ${(error as Error).message}`);
  process.exitCode = 2;
}
