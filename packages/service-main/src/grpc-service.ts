// The skeleton every gRPC service with a database is declared with: the service says what it is
// (name, settings, migrations, application), this module owns the machinery around it and one
// ordered start and stop. docs/decisions/0010-service-skeleton.md.

import { topics } from '@notes/contracts/names';
import {
  authorizationInterceptor,
  createGrpcServer,
  type ErrorMapper,
  errorInterceptor,
  type GrpcMetrics,
  type GrpcServerOptions,
  type GrpcTls,
  healthCallers,
  registerHealth,
  type ServiceCallers,
  unavailableWhen,
  validationInterceptor,
} from '@notes/grpc';
import {
  createDeadLetterPublisher,
  type EventHandler,
  type GroupProtocol,
  type KafkaConnection,
  type KafkaMetrics,
  processedEventsWindowMs,
  purgeProcessedEvents,
  startEventConsumer,
} from '@notes/kafka';
import { createLogger, type Logger } from '@notes/logger';
import { createOutboxMetrics, createServiceOutbox, purgeSentOutboxRows, sentRowsRetention } from '@notes/outbox';
import { createPool, isDatabaseUnavailable, type MigrationResult, type Pool } from '@notes/postgres';
import type { Migrations } from './migrations.ts';
import { type RetentionPurge, type RunningRetention, startRetention } from './retention.ts';
import { type SagaCommandHandlers, sagaCommandsHandler } from './saga-commands.ts';
import { createServiceOperations, type ServiceOperations } from './service-operations.ts';
import type { OutboxWakeUp } from './unit-of-work.ts';

type ConnectRouter = Parameters<GrpcServerOptions['routes']>[0];

/** The settings the skeleton reads; a service's config has these and its own. */
export interface GrpcServiceSettings {
  grpc: { host: string; port: number };
  /** The operations port: /healthz, /readyz, /metrics. */
  http: { host: string; port: number };
  /** undefined: plaintext h2c. */
  grpcTls: GrpcTls | undefined;
  /** maxConnections is the service's own; the in-process relay's come on top. */
  database: { dsn: string; maxConnections: number; migrateOnStart: boolean };
  kafka: {
    brokers: string;
    connection: KafkaConnection;
    /** The group the service consumes in, also the name of its processed_events rows. */
    consumerGroup: string;
    /** Where a new group starts on a partition (the consumer's default: earliest). */
    startAt?: 'earliest' | 'latest';
    /** The group's rebalance protocol (the consumer's default: defaultGroupProtocol). */
    groupProtocol?: GroupProtocol | undefined;
  };
  /** Run the outbox relay in this process; false when stand-alone relays serve the table. */
  outbox: { relay: boolean };
  log: { level: string };
}

/** What the skeleton hands the application it builds. */
export interface ServiceParts {
  pool: Pool;
  logger: Logger;
  /** The operations port's registry, for the series of the service's own parts (sagas). */
  registry: ServiceOperations['registry'];
  /** gRPC series; `client` is the interceptor for the service's calls to other services. */
  grpcMetrics: GrpcMetrics;
  /** Wakes the outbox relay after a commit that wrote to the outbox (createUnitOfWork does it). */
  outbox: OutboxWakeUp;
  /**
   * The identity this service presents to the gRPC services it calls, asked at each new
   * connection, so that certificates reloaded on SIGHUP are presented from then on; undefined
   * when plaintext.
   */
  grpcClientTls: (() => GrpcTls) | undefined;
}

/** Topics read with a handler of the service's own. */
export interface ConsumedTopics {
  topics: readonly string[];
  handler: EventHandler;
}

/** A background job, started after the consumer, stopped after it (and before the outbox). */
export type BackgroundJob = () => RunningJob;

export interface RunningJob {
  /** No new work starts after it; resolves once the work under way has finished. */
  stop(): Promise<void>;
}

/** What a service is made of beyond the machinery: its application (use cases, adapters, handlers). */
export interface ServiceApplication<Scope> {
  /** Registers the Connect service implementation (gRPC health is registered beside it). */
  routes(router: ConnectRouter): void;
  /**
   * Who may call each method of the service routes registers (allowCallers): any other caller is
   * answered PERMISSION_DENIED. Health is open to every certificate of the platform CA.
   */
  callers: ServiceCallers;
  /** Domain error → gRPC status, for errorInterceptor. */
  mapError: ErrorMapper;
  /**
   * What the service consumes, in its one group (kafka.consumerGroup): the saga commands it
   * answers (a participant), or topics with a handler of its own (the orchestrator).
   */
  consumes?: SagaCommandHandlers<Scope> | ConsumedTopics | undefined;
  jobs?: readonly BackgroundJob[];
  /**
   * The service's own tables that grow with use, each with its purge (the skeleton adds the
   * outbox's sent rows and, when it consumes, processed_events). docs/retention.md lists them all.
   */
  retention?: readonly RetentionPurge[];
}

export interface GrpcServiceDeclaration<Scope> {
  /** service.name in logs, the database's application_name, the Kafka client id. */
  name: string;
  settings: GrpcServiceSettings;
  /** Applied on start when database.migrateOnStart (and by `migrate up|down`). */
  migrations: Migrations;
  /** A logger of the caller's (tests, runService's); by default JSON lines at log.level. */
  logger?: Logger | undefined;
  /** Builds the application on the skeleton's parts: the service's table of contents. */
  application(parts: ServiceParts): ServiceApplication<Scope>;
}

export interface GrpcService {
  /**
   * Applies pending migrations (when database.migrateOnStart), starts the outbox (its relay unless
   * outbox.relay is false), the consumer with its dead-letter publisher, the background jobs and
   * the retention purges, then listens (gRPC, then the operations port; port 0
   * picks a free one); resolves with the bound ports.
   */
  start(): Promise<{ port: number; httpPort: number }>;
  /** Resolves once the consumer has joined its group (tests wait for it before publishing). */
  consumerReady(): Promise<void>;
  /**
   * Lets in-flight calls finish and stops listening (gRPC, then operations), stops the consumer
   * (the command in flight commits, its reply with it, before the outbox stops) and the dead-letter
   * publisher, then the jobs and the retention purges, the outbox (the relay's current
   * batch finishes), and closes the pool. Every step runs even when one before it failed. Calling
   * it again, or before start, does nothing more.
   */
  stop(): Promise<void>;
  /** Serves new connections with renewed certificates (SIGHUP); a server started without TLS throws. */
  reloadGrpcTls(tls: GrpcTls): void;
}

// The in-process relay holds one connection for LISTEN and takes one per batch.
const relayConnections = 2;

/** One gRPC service with a database, an outbox and (optionally) a consumer, for one configuration. */
export function createGrpcService<Scope>(declaration: GrpcServiceDeclaration<Scope>): GrpcService {
  const { name, settings, migrations } = declaration;
  const logger = declaration.logger ?? createLogger({ service: name, level: settings.log.level });
  const pool = createPool({
    dsn: settings.database.dsn,
    maxConnections: settings.database.maxConnections + (settings.outbox.relay ? relayConnections : 0),
    applicationName: name,
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  const operations = createServiceOperations({
    name,
    http: settings.http,
    kafka: settings.kafka,
    database: pool,
    logger,
  });
  const { registry, grpcMetrics, kafkaMetrics } = operations;
  const outbox = createServiceOutbox({
    pool,
    brokers: settings.kafka.brokers,
    connection: settings.kafka.connection,
    clientId: name,
    logger,
    relay: settings.outbox.relay,
    metrics: { relay: createOutboxMetrics(registry, pool), kafka: kafkaMetrics },
    relayPurgesSentRows: false,
  });
  // Renewed by reloadGrpcTls: the application's clients present it from their next connection on.
  let grpcTls = settings.grpcTls;
  const application = declaration.application({
    pool,
    logger,
    registry,
    grpcMetrics,
    outbox,
    grpcClientTls: grpcTls && (() => grpcTls as GrpcTls),
  });
  const consumed = consumedTopics(application.consumes, { pool, group: settings.kafka.consumerGroup, outbox });
  const retentionPurges = [
    ...skeletonRetention(pool, { consumes: consumed !== undefined }),
    ...(application.retention ?? []),
  ];
  const server = createGrpcServer({
    host: settings.grpc.host,
    port: settings.grpc.port,
    tls: settings.grpcTls,
    logger,
    // Metrics outermost, to count the status answered; authorization before anything looks at the
    // request; then errorInterceptor, so that it also sees what validation throws (and answers a
    // failure of validation itself as INTERNAL); a database that does not answer is UNAVAILABLE.
    interceptors: [
      grpcMetrics.server,
      authorizationInterceptor({ lists: [application.callers, healthCallers], logger, denied: grpcMetrics.denied }),
      errorInterceptor(unavailableWhen(isDatabaseUnavailable, application.mapError, logger), logger),
      validationInterceptor(),
    ],
    routes: (router) => {
      application.routes(router);
      registerHealth(router, operations.servesRpcs);
    },
  });

  let consumer: ServiceConsumer | undefined;
  const jobs: RunningJob[] = [];
  let retention: RunningRetention | undefined;
  let stopping: Promise<void> | undefined;
  return {
    async start() {
      if (settings.database.migrateOnStart) logMigrations(logger, await migrations(pool, 'up'));
      await outbox.start();
      // After the migrations: a consumer records what it handled in processed_events.
      if (consumed !== undefined) consumer = startServiceConsumer(consumed, { name, settings, logger, kafkaMetrics });
      for (const job of application.jobs ?? []) jobs.push(job());
      retention = startRetention(retentionPurges, { logger, registry });
      const { port } = await server.listen();
      const httpPort = await operations.listen();
      return { port, httpPort };
    },
    consumerReady: () => consumer?.ready ?? Promise.reject(new Error(`${name} has no consumer running`)),
    reloadGrpcTls(tls) {
      server.reloadTls(tls);
      grpcTls = tls;
    },
    stop() {
      stopping ??= stopInOrder([
        () => server.close(),
        () => operations.close(),
        () => consumer?.stop(),
        () => stopInOrder(jobs.map((job) => () => job.stop())),
        () => retention?.stop(),
        () => outbox.stop(),
        () => pool.end(),
      ]);
      return stopping;
    },
  };
}

interface ServiceConsumer {
  ready: Promise<void>;
  /** The consumer (the message in flight finishes and commits), then the dead-letter publisher. */
  stop(): Promise<void>;
}

/** The service's consumer in its group, with its dead-letter publisher. */
function startServiceConsumer(
  consumed: ConsumedTopics,
  context: { name: string; settings: GrpcServiceSettings; logger: Logger; kafkaMetrics: KafkaMetrics },
): ServiceConsumer {
  const { name, settings, logger } = context;
  const deadLetter = createDeadLetterPublisher({
    brokers: settings.kafka.brokers,
    connection: settings.kafka.connection,
    clientId: name,
  });
  const consumer = startEventConsumer({
    brokers: settings.kafka.brokers,
    connection: settings.kafka.connection,
    groupId: settings.kafka.consumerGroup,
    clientId: name,
    topics: consumed.topics,
    handler: consumed.handler,
    logger,
    deadLetter,
    startAt: settings.kafka.startAt,
    groupProtocol: settings.kafka.groupProtocol,
    metrics: context.kafkaMetrics,
  });
  return {
    ready: consumer.ready,
    stop: () => stopInOrder([() => consumer.stop(), () => deadLetter.close()]),
  };
}

const hourMs = 3_600_000;

/**
 * The tables of the skeleton's own: the outbox's sent rows (whichever relay sent them; stand-alone
 * relays purge too) and, for a service that consumes, the records of the events it handled.
 */
function skeletonRetention(pool: Pool, { consumes }: { consumes: boolean }): RetentionPurge[] {
  const outbox: RetentionPurge = {
    table: 'outbox',
    everyMs: sentRowsRetention.purgeEveryMs,
    purge: () => purgeSentOutboxRows(pool, { olderThanMs: sentRowsRetention.keptMs }),
  };
  const processedEvents: RetentionPurge = {
    table: 'processed_events',
    everyMs: hourMs,
    purge: () => purgeProcessedEvents(pool, processedEventsWindowMs),
  };
  return consumes ? [outbox, processedEvents] : [outbox];
}

function consumedTopics<Scope>(
  consumes: ServiceApplication<Scope>['consumes'],
  context: Parameters<typeof sagaCommandsHandler>[1],
): ConsumedTopics | undefined {
  if (consumes === undefined || 'topics' in consumes) return consumes;
  return { topics: [topics.sagaCommands], handler: sagaCommandsHandler(consumes, context) };
}

/** Runs every step, in order, even after one failed; then fails with the first failure. */
async function stopInOrder(steps: readonly (() => Promise<unknown> | undefined)[]): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== undefined) throw failure.error;
}

function logMigrations(logger: Logger, result: MigrationResult): void {
  if (result.applied.length > 0) logger.info({ migrations: result.applied }, 'migrations applied');
  if (result.reverted.length > 0) logger.info({ migrations: result.reverted }, 'migrations reverted');
}
