import { NotesService } from '@notes/contracts/notes/v1';
import { createGrpcServer, errorInterceptor, type GrpcTls, registerHealth, validationInterceptor } from '@notes/grpc';
import {
  createDeadLetterPublisher,
  type DeadLetterPublisher,
  type EventConsumer,
  type ProcessedEventsRetention,
  startProcessedEventsRetention,
} from '@notes/kafka';
import { createLogger, type Logger } from '@notes/logger';
import { createOutboxMetrics, createServiceOutbox } from '@notes/outbox';
import { createPool, type Transaction, withTransaction } from '@notes/postgres';
import { createSagaReplies } from '@notes/saga';
import { createServiceOperations } from '@notes/service-main';
import { v7 as uuidv7 } from 'uuid';
import { createCreateNote } from './app/create-note.ts';
import { createCreateWelcomeNote } from './app/create-welcome-note.ts';
import { createDeleteNote } from './app/delete-note.ts';
import { createDeleteUserNotes } from './app/delete-user-notes.ts';
import { createGetNote } from './app/get-note.ts';
import { createListNotes } from './app/list-notes.ts';
import type { Clock, NewId, TransactionScope, UnitOfWork } from './app/ports.ts';
import { createUpdateNote } from './app/update-note.ts';
import type { NotesConfig } from './config.ts';
import { migrateNotesDatabase } from './db/migrations.ts';
import { createNoteReads, createNotesRepository } from './db/notes-repository.ts';
import { mapNotesError } from './grpc/error-mapper.ts';
import { notesServiceImpl } from './grpc/notes-service.ts';
import { startSagaCommandConsumer } from './kafka/saga-commands.ts';
import { createNoteEvents } from './outbox/note-events.ts';

/** What tests (and main) may swap; everything else comes from the config. */
export interface NotesServiceOverrides {
  clock?: Clock;
  newId?: NewId;
  logger?: Logger;
}

export interface NotesServiceInstance {
  /**
   * Runs pending migrations when database.migrateOnStart, starts the outbox (its relay unless
   * outbox.relay is false) and the saga-command consumer (unless saga.consumer is false), then
   * listens (gRPC, then the operations HTTP port); resolves with the bound ports.
   */
  start(): Promise<{ port: number; httpPort: number }>;
  /**
   * Lets in-flight calls finish and stops listening, stops the saga-command consumer (the command
   * in flight finishes), stops the outbox, then closes the database pool.
   */
  stop(): Promise<void>;
  /** Serves new connections with renewed certificates (SIGHUP); a server started without TLS throws. */
  reloadGrpcTls(tls: GrpcTls): void;
}

// The in-process relay holds one connection for LISTEN and takes one per batch (and, now and then,
// one for its retention purge, which waits for a free one).
const relayConnections = 2;

const systemClock: Clock = { now: () => new Date() };

/** JSON lines to standard output, marked as this service's. */
export function createNotesLogger(config: NotesConfig): Logger {
  return createLogger({ service: 'notes-service', level: config.log.level });
}

export function composeNotesService(config: NotesConfig, overrides: NotesServiceOverrides = {}): NotesServiceInstance {
  const logger = overrides.logger ?? createNotesLogger(config);
  const clock = overrides.clock ?? systemClock;
  const newId = overrides.newId ?? (() => uuidv7());
  const pool = createPool({
    dsn: config.database.dsn,
    maxConnections: config.database.maxConnections + (config.outbox.relay ? relayConnections : 0),
    applicationName: 'notes-service',
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  const operations = createServiceOperations({
    name: 'notes-service',
    http: config.http,
    kafka: config.kafka,
    database: pool,
  });
  const { registry, grpcMetrics, kafkaMetrics } = operations;
  const outbox = createServiceOutbox({
    pool,
    brokers: config.kafka.brokers,
    connection: config.kafka.connection,
    clientId: 'notes-service',
    logger,
    relay: config.outbox.relay,
    metrics: { relay: createOutboxMetrics(registry, pool), kafka: kafkaMetrics },
  });
  const notes = createNoteReads(pool);
  // One transaction: the note's row and its events and saga replies (outbox rows) commit together;
  // the relay is woken after the commit, never inside it. A transaction that throws wakes nobody.
  // A new note and its event are deferred writes: with no query before them, one statement.
  const scopeOf = (tx: Transaction): TransactionScope => ({
    notes: createNotesRepository(tx),
    events: createNoteEvents(tx),
    replies: createSagaReplies(tx, { clock }),
  });
  const unitOfWork: UnitOfWork = {
    async run(work) {
      const result = await withTransaction(pool, (tx) => work(scopeOf(tx)));
      outbox.afterCommit();
      return result;
    },
  };
  const useCases = {
    createNote: createCreateNote({ unitOfWork, clock, newId }),
    getNote: createGetNote({ notes }),
    listNotes: createListNotes({ notes }),
    updateNote: createUpdateNote({ unitOfWork, clock }),
    deleteNote: createDeleteNote({ unitOfWork, clock }),
  };
  const server = createGrpcServer({
    host: config.grpc.host,
    port: config.grpc.port,
    tls: config.grpcTls,
    logger,
    routes: (router) => {
      router.service(NotesService, notesServiceImpl(useCases));
      registerHealth(router, operations.servesRpcs);
    },
    // Metrics outermost, to count the status answered; then errorInterceptor, which also answers a
    // failure of validation itself (not a bad request) as INTERNAL.
    interceptors: [grpcMetrics.server, errorInterceptor(mapNotesError, logger), validationInterceptor()],
  });

  // notes-service's part in the sagas, started once processed_events exists (after the migrations).
  let sagaParticipant:
    | { consumer: EventConsumer; retention: ProcessedEventsRetention; deadLetter: DeadLetterPublisher }
    | undefined;
  const startSagaParticipant = () => {
    const deadLetter = createDeadLetterPublisher({
      brokers: config.kafka.brokers,
      connection: config.kafka.connection,
      clientId: 'notes-service',
    });
    const consumer = startSagaCommandConsumer({
      pool,
      brokers: config.kafka.brokers,
      connection: config.kafka.connection,
      logger,
      deadLetter,
      metrics: kafkaMetrics,
      scope: scopeOf,
      createWelcomeNote: createCreateWelcomeNote({ clock, newId, refuse: config.saga.refuseWelcomeNote }),
      deleteUserNotes: createDeleteUserNotes({ clock }),
      afterCommit: () => outbox.afterCommit(),
    });
    return { consumer, retention: startProcessedEventsRetention({ pool, logger }), deadLetter };
  };

  return {
    async start() {
      if (config.database.migrateOnStart) {
        const { applied } = await migrateNotesDatabase(pool, 'up');
        if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      }
      await outbox.start();
      if (config.saga.consumer) sagaParticipant = startSagaParticipant();
      const { port } = await server.listen();
      const httpPort = await operations.listen();
      return { port, httpPort };
    },
    reloadGrpcTls: (tls) => server.reloadTls(tls),
    async stop() {
      await server.close();
      await operations.close();
      // The consumer's last command commits its reply to the outbox before the outbox stops.
      await sagaParticipant?.consumer.stop();
      await sagaParticipant?.retention.stop();
      await sagaParticipant?.deadLetter.close();
      await outbox.stop();
      await pool.end();
    },
  };
}
