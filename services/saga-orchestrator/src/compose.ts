import { topics } from '@notes/contracts/names';
import { SagaService } from '@notes/contracts/saga/v1';
import {
  createGrpcServer,
  createGrpcTransport,
  errorInterceptor,
  type GrpcTls,
  registerHealth,
  validationInterceptor,
} from '@notes/grpc';
import {
  createDeadLetterPublisher,
  type EventConsumer,
  type ProcessedEventsRetention,
  startEventConsumer,
  startProcessedEventsRetention,
} from '@notes/kafka';
import { createLogger, type Logger } from '@notes/logger';
import { createOutboxMetrics, createServiceOutbox } from '@notes/outbox';
import { createPool } from '@notes/postgres';
import { createSagaEngine, createSagaMetrics, startTimeoutScanner, type TimeoutScanner } from '@notes/saga';
import { createServiceOperations } from '@notes/service-main';
import { createStartDeleteUserSaga } from './app/start-delete-user-saga.ts';
import { createAuthAccounts } from './auth/auth-accounts.ts';
import type { SagaConfig } from './config.ts';
import { migrateSagaDatabase } from './db/migrations.ts';
import { sagaPlans } from './domain/sagas.ts';
import { mapSagaError } from './grpc/error-mapper.ts';
import { sagaServiceImpl } from './grpc/saga-service.ts';
import { sagaDefinition } from './kafka/saga-definitions.ts';
import { sagaStartedBy } from './kafka/saga-triggers.ts';

/** What tests (and main) may swap; everything else comes from the config. */
export interface SagaOrchestratorOverrides {
  logger?: Logger;
}

export interface SagaOrchestratorInstance {
  /**
   * Runs pending migrations when database.migrateOnStart, starts the outbox, listens (gRPC, then
   * the operations HTTP port), then starts consuming and scanning deadlines; resolves with the ports.
   */
  start(): Promise<{ port: number; httpPort: number }>;
  /** Resolves once the event consumer has joined its group (tests wait for it before publishing). */
  consumerReady(): Promise<void>;
  /**
   * Stops consuming and scanning, lets in-flight calls finish and stops listening, stops the outbox
   * (its current batch is published), then closes the database pool.
   */
  stop(): Promise<void>;
  /** Serves new connections with renewed certificates (SIGHUP); a server started without TLS throws. */
  reloadGrpcTls(tls: GrpcTls): void;
}

// The in-process relay holds one connection for LISTEN and takes one per batch (and, now and then,
// one for its retention purge, which waits for a free one).
const relayConnections = 2;

/** JSON lines to standard output, marked as this service's. */
export function createSagaLogger(config: SagaConfig): Logger {
  return createLogger({ service: 'saga-orchestrator', level: config.log.level });
}

export function composeSagaOrchestrator(
  config: SagaConfig,
  overrides: SagaOrchestratorOverrides = {},
): SagaOrchestratorInstance {
  const logger = overrides.logger ?? createSagaLogger(config);
  const pool = createPool({
    dsn: config.database.dsn,
    maxConnections: config.database.maxConnections + (config.outbox.relay ? relayConnections : 0),
    applicationName: 'saga-orchestrator',
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  const operations = createServiceOperations({
    name: 'saga-orchestrator',
    http: config.http,
    kafka: config.kafka,
    database: pool,
  });
  const { registry, grpcMetrics, kafkaMetrics } = operations;
  const outbox = createServiceOutbox({
    pool,
    brokers: config.kafka.brokers,
    connection: config.kafka.connection,
    clientId: 'saga-orchestrator',
    logger,
    relay: config.outbox.relay,
    metrics: { relay: createOutboxMetrics(registry, pool), kafka: kafkaMetrics },
  });
  const engine = createSagaEngine({
    pool,
    definitions: sagaPlans.map(sagaDefinition),
    settings: {
      stepTimeoutMs: config.saga.stepTimeoutMs,
      maxStepTimeoutMs: config.saga.maxStepTimeoutMs,
      maxAttempts: config.saga.maxAttempts,
    },
    afterCommit: () => outbox.afterCommit(),
    onStateChange: createSagaMetrics(registry, pool),
    logger,
  });
  // Renewed by reloadGrpcTls; the transport to auth-service presents it from its next connection on.
  let grpcTls = config.grpcTls;
  const startDeleteUserSaga = createStartDeleteUserSaga({
    accounts: createAuthAccounts(
      createGrpcTransport(config.auth.url, {
        tls: grpcTls && (() => grpcTls as GrpcTls),
        interceptors: [grpcMetrics.client],
      }),
      {
        timeoutMs: config.auth.callTimeoutMs,
      },
    ),
    sagas: engine,
  });
  const server = createGrpcServer({
    host: config.grpc.host,
    port: config.grpc.port,
    tls: config.grpcTls,
    logger,
    routes: (router) => {
      router.service(SagaService, sagaServiceImpl({ startDeleteUserSaga, sagas: engine }));
      registerHealth(router, operations.servesRpcs);
    },
    // Metrics outermost, to count the status answered; then errorInterceptor, which also answers a
    // failure of validation itself (not a bad request) as INTERNAL.
    interceptors: [grpcMetrics.server, errorInterceptor(mapSagaError, logger), validationInterceptor()],
  });
  const deadLetter = createDeadLetterPublisher({
    brokers: config.kafka.brokers,
    connection: config.kafka.connection,
    clientId: 'saga-orchestrator',
  });
  let consumer: EventConsumer | undefined;
  let retention: ProcessedEventsRetention | undefined;
  let scanner: TimeoutScanner | undefined;

  return {
    async start() {
      if (config.database.migrateOnStart) {
        const { applied } = await migrateSagaDatabase(pool, 'up');
        if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      }
      await outbox.start();
      const { port } = await server.listen();
      const httpPort = await operations.listen();
      // One group on both topics: UserCreated starts SignUpSagas, StepReplies move sagas on.
      consumer = startEventConsumer({
        brokers: config.kafka.brokers,
        connection: config.kafka.connection,
        groupId: config.kafka.consumerGroup,
        clientId: 'saga-orchestrator',
        topics: [topics.authEvents, topics.sagaReplies],
        handler: engine.consumerHandler({ group: config.kafka.consumerGroup, startFor: sagaStartedBy }),
        logger,
        deadLetter,
        startAt: config.kafka.startAt,
        metrics: kafkaMetrics,
      });
      retention = startProcessedEventsRetention({ pool, logger });
      scanner = startTimeoutScanner({ engine, intervalMs: config.saga.scanIntervalMs, logger });
      return { port, httpPort };
    },
    consumerReady() {
      return consumer?.ready ?? Promise.reject(new Error('the saga orchestrator is not started'));
    },
    reloadGrpcTls(tls) {
      server.reloadTls(tls);
      grpcTls = tls;
    },
    async stop() {
      await consumer?.stop();
      await retention?.stop();
      await scanner?.stop();
      await server.close();
      await operations.close();
      await outbox.stop();
      await deadLetter.close();
      await pool.end();
    },
  };
}
