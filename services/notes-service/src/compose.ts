import { NotesService } from '@notes/contracts/notes/v1';
import { createGrpcServer, errorInterceptor, registerHealth, validationInterceptor } from '@notes/grpc';
import { createLogger, type Logger } from '@notes/logger';
import { createServiceOutbox } from '@notes/outbox';
import { createPool, withTransaction } from '@notes/postgres';
import { v7 as uuidv7 } from 'uuid';
import { makeCreateNote } from './app/create-note.ts';
import { makeDeleteNote } from './app/delete-note.ts';
import { makeGetNote } from './app/get-note.ts';
import { makeListNotes } from './app/list-notes.ts';
import type { Clock, InTransaction, NewId } from './app/ports.ts';
import { makeUpdateNote } from './app/update-note.ts';
import type { NotesConfig } from './config.ts';
import { databaseAnswers } from './db/health.ts';
import { migrateNotesDatabase } from './db/migrations.ts';
import { createNotesRepository } from './db/notes-repository.ts';
import { mapNotesError } from './grpc/error-mapper.ts';
import { notesServiceImpl } from './grpc/notes-service.ts';
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
   * outbox.relay is false), then listens; resolves with the bound port.
   */
  start(): Promise<{ port: number }>;
  /** Lets in-flight calls finish and stops listening, stops the outbox, then closes the database pool. */
  stop(): Promise<void>;
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
  const outbox = createServiceOutbox({
    pool,
    brokers: config.kafka.brokers,
    clientId: 'notes-service',
    logger,
    relay: config.outbox.relay,
  });
  const notes = createNotesRepository(pool);
  // One transaction: the note's row and its events (outbox rows) commit together; the relay is
  // woken after the commit, never inside it. A transaction that throws wakes nobody.
  const inTransaction: InTransaction = async (work) => {
    const result = await withTransaction(pool, (tx) =>
      work({ notes: createNotesRepository(tx), events: createNoteEvents(tx) }),
    );
    outbox.afterCommit();
    return result;
  };
  const useCases = {
    createNote: makeCreateNote({ inTransaction, clock, newId }),
    getNote: makeGetNote({ notes }),
    listNotes: makeListNotes({ notes }),
    updateNote: makeUpdateNote({ inTransaction, clock }),
    deleteNote: makeDeleteNote({ inTransaction, clock }),
  };
  const server = createGrpcServer({
    host: config.grpc.host,
    port: config.grpc.port,
    routes: (router) => {
      router.service(NotesService, notesServiceImpl(useCases));
      registerHealth(router, () => databaseAnswers(pool));
    },
    // Outermost, errorInterceptor also answers a failure of validation itself (not a bad request) as INTERNAL.
    interceptors: [errorInterceptor(mapNotesError, logger), validationInterceptor()],
  });

  return {
    async start() {
      if (config.database.migrateOnStart) {
        const { applied } = await migrateNotesDatabase(pool, 'up');
        if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      }
      await outbox.start();
      const { port } = await server.listen();
      return { port };
    },
    async stop() {
      await server.close();
      await outbox.stop();
      await pool.end();
    },
  };
}
