import { NotesService } from '@notes/contracts/notes/v1';
import { createGrpcServer, errorInterceptor, registerHealth, validationInterceptor } from '@notes/grpc';
import { createLogger, type Logger } from '@notes/logger';
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

/** What tests (and main) may swap; everything else comes from the config. */
export interface NotesServiceOverrides {
  clock?: Clock;
  newId?: NewId;
  logger?: Logger;
}

export interface NotesServiceInstance {
  /** Runs pending migrations when database.migrateOnStart, then listens; resolves with the bound port. */
  start(): Promise<{ port: number }>;
  /** Lets in-flight calls finish, stops listening, then closes the database pool. */
  stop(): Promise<void>;
}

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
    maxConnections: config.database.maxConnections,
    applicationName: 'notes-service',
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  const notes = createNotesRepository(pool);
  const inTransaction: InTransaction = (work) => withTransaction(pool, (tx) => work(createNotesRepository(tx)));
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
      const { port } = await server.listen();
      return { port };
    },
    async stop() {
      await server.close();
      await pool.end();
    },
  };
}
