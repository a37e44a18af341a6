// The dead-letter replay as a command (replayDeadLetters in src/replay-dlq.ts does the work):
//
//   node packages/kafka/bin/replay-dlq.ts --brokers host:port [--source-topic T] [--event-id ID]
//     [--consumer-group G] [--partition P] [--from-offset N] [--dry-run] [--dlq-topic dlq] [--timeout-ms 60000]
//
// (make dlq-replay ARGS="...", or npm run dlq-replay -- ...). One line per chosen message on standard
// output, a summary on standard error; exit 0 when done, 1 when the replay failed, 2 on a usage error.
import { parseArgs } from 'node:util';
import { kafkaConnectionFromEnv } from '../src/connection.ts';
import { errorMessage } from '../src/dlq.ts';
import { type ReplayOptions, replayDeadLetters } from '../src/replay-dlq.ts';

const usage = `usage: node packages/kafka/bin/replay-dlq.ts --brokers host:port[,host:port] [options]
  (or: npm run dlq-replay -- --brokers host:port [options]; KAFKA_BROKERS is read when --brokers is absent)
  TLS and SASL as the services: KAFKA_TLS, KAFKA_TLS_CA, KAFKA_TLS_CERT, KAFKA_TLS_KEY,
  KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD

Re-publishes dead letters from the dlq topic to their dlq.source_topic with the original key, value and
headers (minus dlq.*, plus dlq.replayed_from_offset/partition); one line per chosen message.

  --source-topic T     only dead letters from topic T
  --event-id ID        only the dead letters of event ID
  --consumer-group G   only dead letters written by consumer group G
  --partition P        only dlq partition P
  --from-offset N      start at offset N (of each partition read) instead of the beginning
  --dry-run            print what would be replayed, publish nothing
  --dlq-topic NAME     the dead-letter topic (default: dlq)
  --timeout-ms MS      give up when the end of dlq is not reached in time (default: 60000)
`;

function integerOption(name: string, value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer, not "${value}"`);
  return BigInt(value);
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  let options: ReplayOptions;
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        brokers: { type: 'string' },
        'source-topic': { type: 'string' },
        'event-id': { type: 'string' },
        'consumer-group': { type: 'string' },
        partition: { type: 'string' },
        'from-offset': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'dlq-topic': { type: 'string' },
        'timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    const brokers = values.brokers ?? process.env.KAFKA_BROKERS;
    if (!brokers) throw new UsageError('--brokers is required');
    const partition = integerOption('partition', values.partition);
    const timeoutMs = integerOption('timeout-ms', values['timeout-ms']);
    options = {
      brokers,
      connection: kafkaConnectionFromEnv(process.env),
      dlqTopic: values['dlq-topic'],
      sourceTopic: values['source-topic'],
      eventId: values['event-id'],
      consumerGroup: values['consumer-group'],
      partition: partition === undefined ? undefined : Number(partition),
      fromOffset: integerOption('from-offset', values['from-offset']),
      dryRun: values['dry-run'],
      timeoutMs: timeoutMs === undefined ? undefined : Number(timeoutMs),
      print: (line) => process.stdout.write(`${line}\n`),
    };
  } catch (error) {
    console.error(`${errorMessage(error)}\n\n${usage}`);
    return 2;
  }
  try {
    const summary = await replayDeadLetters(options);
    const verb = options.dryRun ? 'would be replayed' : 'replayed';
    console.error(
      `${summary.read} dead letters read, ${summary.matched} chosen, ${options.dryRun ? summary.matched - summary.skipped : summary.replayed} ${verb}, ${summary.skipped} skipped`,
    );
    return 0;
  } catch (error) {
    console.error(`dlq replay failed: ${errorMessage(error)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
