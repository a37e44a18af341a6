// One member of the group that bench/consumer-churn.ts churns, a process of its own so that it can
// be killed: it writes "<eventId> <ms since the epoch>" for each message it handles.
//   node bench/consumer-churn-member.ts <brokers> <group> <topic> <classic|consumer> [session timeout ms, classic]
import { startEventConsumer } from '@notes/kafka';
import { createLogger } from '@notes/logger';

const [brokers = '', groupId = '', topic = '', protocol = 'classic', sessionTimeout] = process.argv.slice(2);
const session =
  sessionTimeout === undefined
    ? {}
    : { sessionTimeoutMs: Number(sessionTimeout), heartbeatIntervalMs: Math.round(Number(sessionTimeout) / 3) };
const consumer = startEventConsumer({
  brokers,
  groupId,
  clientId: `churn-member-${process.pid}`,
  topics: [topic],
  groupProtocol: protocol === 'consumer' ? 'consumer' : 'classic',
  ...session,
  handler: async (event) => {
    process.stdout.write(`${event.eventId} ${Date.now()}\n`);
  },
  logger: createLogger({ service: 'churn-member', level: 'warn', destination: process.stderr }),
  deadLetter: {
    send: () => Promise.reject(new Error('no message of this bench fails its handler')),
  },
});
process.once('SIGTERM', () => {
  void consumer.stop().then(() => process.exit(0));
});
