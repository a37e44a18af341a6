// The outbox relay as a process of its own (startStandaloneRelay; this file reads the command line
// and the environment). Services run a relay in-process by default; this is for running more relays,
// or the relay apart from the service.
//   node packages/outbox/bin/relay.ts --dsn postgres://…/notes --brokers 127.0.0.1:9092   (make relay)
//   env: OUTBOX_DB_DSN, KAFKA_BROKERS, LOG_LEVEL (info), OUTBOX_BATCH_SIZE (500), OUTBOX_POLL_INTERVAL_MS (1000),
//        OUTBOX_RETENTION_MS (3600000), OUTBOX_CLIENT_ID (outbox-relay), OTEL_* (tracing: off unless an endpoint is set),
//        KAFKA_TLS, KAFKA_TLS_CA, KAFKA_TLS_CERT, KAFKA_TLS_KEY, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME,
//        KAFKA_SASL_PASSWORD (TLS and SASL towards the brokers, as the services read them)
// Command-line options win over the environment. SIGTERM/SIGINT: the current batch finishes, then exit 0.
import { parseArgs } from 'node:util';
import { type KafkaConnection, kafkaConnectionFromEnv } from '@notes/kafka';
import { createLogger } from '@notes/logger';
import { startTelemetry } from '@notes/telemetry/sdk';
import { startStandaloneRelay } from '../src/standalone-relay.ts';

const { values } = parseArgs({
  options: {
    dsn: { type: 'string' },
    brokers: { type: 'string' },
    'batch-size': { type: 'string' },
    'poll-interval-ms': { type: 'string' },
    'retention-ms': { type: 'string' },
    'client-id': { type: 'string' },
  },
});

const dsn = values.dsn ?? process.env.OUTBOX_DB_DSN;
const brokers = values.brokers ?? process.env.KAFKA_BROKERS;
if (!dsn || !brokers) {
  console.error('usage: relay.ts --dsn <postgres url> --brokers <host:port,…> (or OUTBOX_DB_DSN, KAFKA_BROKERS)');
  process.exit(2);
}
const clientId = values['client-id'] ?? process.env.OUTBOX_CLIENT_ID ?? 'outbox-relay';
let connection: KafkaConnection;
try {
  connection = kafkaConnectionFromEnv(process.env);
} catch (error) {
  // A ConfigError naming the incomplete or unreadable setting.
  console.error((error as Error).message);
  process.exit(2);
}
const logger = createLogger({ service: clientId, level: process.env.LOG_LEVEL ?? 'info' });
// Publish spans when the OTEL_* variables name a collector (see @notes/telemetry).
const telemetry = await startTelemetry({ serviceName: clientId, env: process.env, logger });

function numberSetting(option: string | undefined, env: string): number | undefined {
  const text = option ?? process.env[env];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`${env} must be a positive number, not "${text}"`);
    process.exit(2);
  }
  return value;
}

const batchSize = numberSetting(values['batch-size'], 'OUTBOX_BATCH_SIZE');
const pollIntervalMs = numberSetting(values['poll-interval-ms'], 'OUTBOX_POLL_INTERVAL_MS');
const sentRowsMs = numberSetting(values['retention-ms'], 'OUTBOX_RETENTION_MS');

const relay = startStandaloneRelay({
  dsn,
  brokers,
  connection,
  clientId,
  logger,
  batchSize,
  pollIntervalMs,
  sentRowsMs,
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'outbox relay stopping');
  try {
    await (await relay).stop();
    await telemetry.shutdown();
  } finally {
    process.exit(0);
  }
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

await relay;
logger.info({ batchSize: batchSize ?? 500 }, 'outbox relay started');
