// The service skeleton whole, on the test PostgreSQL and Kafka: what it starts, and the order it
// stops in, seen from a declared application (a saga command held in flight, a background job).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sagaReplyType, topics } from '@notes/contracts/names';
import { createEventProducer, type EventProducer, processedEventsMigrations } from '@notes/kafka';
import { outboxMigrations } from '@notes/outbox';
import { createPool, type Pool } from '@notes/postgres';
import { createSagaReplies } from '@notes/saga';
import { createTestDatabase, type TestDatabase, testKafkaBrokers } from '@notes/testkit';
import { createGrpcService, type GrpcServiceSettings, migrationSets } from '../../src/index.ts';

/** These services serve no method of their own. */
const noCallers = { service: 'service-main-test', methods: new Map() };

let database: TestDatabase;
let pool: Pool;
let producer: EventProducer;

before(async () => {
  database = await createTestDatabase('service_main_skeleton');
  pool = createPool({ dsn: database.url, maxConnections: 2, applicationName: 'service-main-test' });
  producer = createEventProducer({ brokers: testKafkaBrokers(), clientId: 'service-main-test' });
});

after(async () => {
  await producer?.close();
  await pool?.end();
  await database?.drop();
});

function settings(): GrpcServiceSettings {
  return {
    grpc: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    grpcTls: undefined,
    database: { dsn: database.url, maxConnections: 4, migrateOnStart: true },
    // A group of its own, from the topic's end: the commands of tests running beside it stay theirs.
    kafka: {
      brokers: testKafkaBrokers(),
      connection: {},
      consumerGroup: `service-main-${randomUUID()}`,
      startAt: 'latest',
    },
    outbox: { relay: true },
    log: { level: 'warn' },
  };
}

const migrations = migrationSets([outboxMigrations, processedEventsMigrations]);

/** Whether something accepts connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 30 s`);
    await sleep(20);
  }
}

// A stop in the wrong order may hang (a part waiting on one already closed): fail it instead.
test('stop closes the listeners, lets the command in flight commit its reply, then stops the jobs and last the pool; again, it does nothing', {
  timeout: 90_000,
}, async () => {
  const commandType = `test.Command-${randomUUID()}`;
  const sagaId = randomUUID();
  const seen: string[] = [];
  let grpcPort = 0;
  let commandArrived: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => {
    commandArrived = resolve;
  });
  let releaseCommand: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    releaseCommand = resolve;
  });
  const service = createGrpcService({
    name: 'service-main-test',
    settings: settings(),
    migrations,
    application: (parts) => ({
      routes: () => undefined,
      callers: noCallers,
      mapError: () => undefined,
      consumes: {
        scopeOf: (tx) => createSagaReplies(tx, { clock: { now: () => new Date() } }),
        handlers: {
          [commandType]: async (command, _payload, replies) => {
            commandArrived();
            await released;
            seen.push(`command carried out, gRPC ${(await accepts(grpcPort)) ? 'open' : 'closed'}`);
            await replies.succeeded(command);
          },
        },
      },
      jobs: [
        () => {
          seen.push('job started');
          return {
            async stop() {
              const answers = await parts.pool.query('SELECT 1').then(
                () => true,
                () => false,
              );
              seen.push(`job stopped, pool ${answers ? 'open' : 'closed'}`);
            },
          };
        },
      ],
    }),
  });

  const { port, httpPort } = await service.start();
  grpcPort = port;
  assert.ok(await accepts(port), 'gRPC listens');
  assert.equal((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status, 200);
  // The skeleton's own tables are purged for every service, processed_events for one that consumes.
  const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  for (const table of ['outbox', 'processed_events']) {
    assert.match(metrics, new RegExp(`^retention_purge_failing\\{table="${table}"\\} 0$`, 'm'));
  }
  await service.consumerReady();
  const commandId = randomUUID();
  await producer.publish(topics.sagaCommands, [
    {
      eventId: commandId,
      aggregateId: sagaId,
      correlationId: sagaId,
      type: commandType,
      occurredAt: new Date(),
      payload: new Uint8Array(),
    },
  ]);
  await arrived;

  const stopped = service.stop();
  await until('the gRPC port closed', async () => !(await accepts(port)));
  // Time for whatever would wrongly stop before the consumer's command is done to do so.
  await sleep(300);
  releaseCommand();
  await stopped;

  assert.deepEqual(seen, ['job started', 'command carried out, gRPC closed', 'job stopped, pool open']);
  assert.equal(await accepts(httpPort), false, 'the operations port is closed');
  const { rows: replies } = await pool.query('SELECT type FROM outbox WHERE aggregate_id = $1', [sagaId]);
  assert.deepEqual(replies, [{ type: sagaReplyType }], 'the reply committed before the outbox and the pool stopped');
  const { rows: processed } = await pool.query('SELECT 1 FROM processed_events WHERE event_id = $1', [commandId]);
  assert.equal(processed.length, 1, 'recorded as processed, with the reply');
  await service.stop();
});

test('a service never started stops without error, and again', async () => {
  const service = createGrpcService({
    name: 'service-main-test',
    settings: settings(),
    migrations,
    application: () => ({ routes: () => undefined, callers: noCallers, mapError: () => undefined }),
  });
  await service.stop();
  await service.stop();
  await assert.rejects(service.consumerReady(), /no consumer running/);
});
