// The orchestrator in-process on a database of its own and the shared test broker, with fake
// participants (a consumer of saga.commands that answers on saga.replies) and a fake auth-service.
// The topics are shared with tests running in parallel: the orchestrator consumes in a group of
// its own from the latest offsets, and the fakes only answer commands of sagas in this database.

import { randomUUID } from 'node:crypto';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type Client, Code, ConnectError, createClient } from '@connectrpc/connect';
import { AuthService } from '@notes/contracts/auth/v1';
import { UserCreatedSchema } from '@notes/contracts/common/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import { type Saga, SagaService } from '@notes/contracts/saga/v1';
import { DeleteUserSchema } from '@notes/contracts/saga/v1/messages';
import { createGrpcServer, createGrpcTransport } from '@notes/grpc';
import { createDeadLetterPublisher, createEventProducer, startEventConsumer } from '@notes/kafka';
import { createLogger } from '@notes/logger';
import { createPool } from '@notes/postgres';
import { stepReplyEvent } from '@notes/saga';
import { createTestDatabase, testKafkaBrokers } from '@notes/testkit';
import { composeSagaOrchestrator } from '../../src/compose.ts';
import { loadSagaConfig } from '../../src/config.ts';

/** How a fake participant answers a command: success, a refusal, or not at all. */
export type Behaviour = 'succeed' | 'refuse' | 'ignore';

export interface ReceivedCommand {
  sagaId: string;
  commandId: string;
  type: string;
  userId: string;
}

/** Short deadlines: an unanswered step is sent 3 times (0.5 + 1 + 2 s) before it counts as failed. */
export const testSagaSettings = {
  'saga.stepTimeoutMs': 500,
  'saga.maxStepTimeoutMs': 2_000,
  'saga.maxAttempts': 3,
  'saga.scanIntervalMs': 100,
};

/** The longest a test waits for something that should happen within seconds. */
export const eventually = 30_000;

const silent = createLogger({ service: 'saga-orchestrator-test', level: 'silent' });

export async function startHarness() {
  const brokers = testKafkaBrokers();
  const database = await createTestDatabase('saga_orchestrator_component');
  const pool = createPool({ dsn: database.url, maxConnections: 2, applicationName: 'saga-orchestrator-test' });
  const cleanup: (() => Promise<unknown>)[] = [() => database.drop(), () => pool.end()];
  const stop = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  };
  try {
    // A fake auth-service: BeginUserDeletion for the users the test made known, NOT_FOUND for the others.
    const knownUsers = new Set<string>();
    const deletionsBegun: string[] = [];
    const auth = createGrpcServer({
      host: '127.0.0.1',
      port: 0,
      tls: undefined,
      logger: silent,
      routes: (router) =>
        router.service(AuthService, {
          beginUserDeletion({ userId }) {
            if (!knownUsers.has(userId)) throw new ConnectError(`user ${userId} not found`, Code.NotFound);
            deletionsBegun.push(userId);
            return {};
          },
        }),
      interceptors: [],
    });
    const { port: authPort } = await auth.listen();
    cleanup.push(() => auth.close());

    // The fake participants: every command of this database's sagas is recorded and answered as
    // the test said for its user and type (success by default, so sagas the orchestrator starts for
    // other tests' users finish quickly and never send those users a DeleteUser).
    const behaviours = new Map<string, Behaviour>();
    const received: ReceivedCommand[] = [];
    const replies = createEventProducer({ brokers, clientId: 'fake-participants' });
    cleanup.push(() => replies.close());
    const deadLetter = createDeadLetterPublisher({ brokers, clientId: 'fake-participants' });
    cleanup.push(() => deadLetter.close());
    const participants = startEventConsumer({
      brokers,
      groupId: `fake-participants-${randomUUID()}`,
      clientId: 'fake-participants',
      topics: [topics.sagaCommands],
      startAt: 'latest',
      logger: silent,
      deadLetter,
      handler: async (event) => {
        const { rowCount } = await pool.query('SELECT 1 FROM sagas WHERE id = $1', [event.aggregateId]);
        if (rowCount !== 1) return;
        // Every saga.v1 command is a message with the user id as its field 1.
        const { userId } = fromBinary(DeleteUserSchema, event.payload);
        received.push({ sagaId: event.aggregateId, commandId: event.eventId, type: event.type, userId });
        const behaviour = behaviours.get(`${userId} ${event.type}`) ?? 'succeed';
        if (behaviour === 'ignore') return;
        const outcome =
          behaviour === 'succeed' ? { succeeded: true } : { succeeded: false, reason: 'refused by the fake' };
        const reply = stepReplyEvent(event, outcome, { eventId: randomUUID(), occurredAt: new Date() });
        await replies.publish(topics.sagaReplies, [reply]);
      },
    });
    cleanup.push(() => participants.stop());
    await participants.ready;

    const config = loadSagaConfig(
      {},
      {
        'database.dsn': database.url,
        'kafka.brokers': brokers,
        'kafka.consumerGroup': `saga-orchestrator-test-${randomUUID()}`,
        'kafka.startAt': 'latest',
        'grpc.port': 0,
        'grpcTls.plaintext': true,
        'http.port': 0,
        'auth.url': `http://127.0.0.1:${authPort}`,
        'log.level': 'silent',
        ...testSagaSettings,
      },
    );
    const orchestrator = composeSagaOrchestrator(config);
    cleanup.push(() => orchestrator.stop());
    const { port, httpPort } = await orchestrator.start();
    await orchestrator.consumerReady();

    const grpcUrl = `http://127.0.0.1:${port}`;
    const sagas: Client<typeof SagaService> = createClient(
      SagaService,
      createGrpcTransport(grpcUrl, { tls: undefined }),
    );
    const authEvents = createEventProducer({ brokers, clientId: 'fake-auth-events' });
    cleanup.push(() => authEvents.close());

    /** The ids of the user's sagas of a type, as stored. */
    const sagaIdsOf = async (userId: string, type: string): Promise<string[]> => {
      const { rows } = await pool.query<{ id: string }>('SELECT id FROM sagas WHERE user_id = $1 AND type = $2', [
        userId,
        type,
      ]);
      return rows.map((row) => row.id);
    };

    return {
      sagas,
      grpcUrl,
      pool,
      received,
      deletionsBegun,
      stop,

      /** A user auth-service knows (BeginUserDeletion answers for it). */
      knownUser(): string {
        const userId = randomUUID();
        knownUsers.add(userId);
        return userId;
      },

      /** How the participants answer commands of `type` about the user from now on. */
      behave(userId: string, type: string, behaviour: Behaviour): void {
        behaviours.set(`${userId} ${type}`, behaviour);
      },

      commandsOf(userId: string): ReceivedCommand[] {
        return received.filter((command) => command.userId === userId);
      },

      /** Publishes auth.UserCreated as auth-service does; returns its event id. */
      async publishUserCreated(userId: string, eventId: string = randomUUID()): Promise<string> {
        const payload = toBinary(UserCreatedSchema, create(UserCreatedSchema, { userId, email: `${userId}@test` }));
        await authEvents.publish(topics.authEvents, [
          { eventId, aggregateId: userId, type: eventTypes.UserCreated, occurredAt: new Date(), payload },
        ]);
        return eventId;
      },

      sagaIdsOf,

      /** The saga's id once the user has one of that type. */
      async sagaOf(userId: string, type: string): Promise<string> {
        let ids: string[] = [];
        await until(async () => {
          ids = await sagaIdsOf(userId, type);
          return ids.length > 0;
        }, `a ${type} for ${userId}`);
        return ids[0] as string;
      },

      /** The saga (with history) once it is in `state`. */
      async sagaIn(sagaId: string, state: string): Promise<Saga> {
        let saga: Saga | undefined;
        await until(async () => {
          saga = (await sagas.getSaga({ sagaId })).saga;
          return saga?.state === state;
        }, `saga ${sagaId} in ${state} (last seen ${saga?.state})`);
        return saga as Saga;
      },

      /** The value of a counter on /metrics (0 when it was never incremented). */
      async metric(name: string, labels: string): Promise<number> {
        const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
        const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
        return line === undefined ? 0 : Number(line.split(' ').at(-1));
      },

      httpPort,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** Polls check every 100 ms until it holds; fails after `eventually` naming what it waited for. */
export async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + eventually;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The gRPC status a call fails with. */
export async function statusOf(call: Promise<unknown>): Promise<Code> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error).code;
  }
  throw new Error('the call succeeded');
}
