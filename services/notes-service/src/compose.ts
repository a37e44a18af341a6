// notes-service's application on the service skeleton (@notes/service-main, ADR 0010): its use
// cases over their ports, the gRPC service and the saga commands it answers.
import { NotesService } from '@notes/contracts/notes/v1';
import type { Logger } from '@notes/logger';
import type { Transaction } from '@notes/postgres';
import { createSagaReplies } from '@notes/saga';
import {
  createGrpcService,
  createUnitOfWork,
  type GrpcService,
  type RetentionPurge,
  type ServiceEntry,
} from '@notes/service-main';
import { v7 as uuidv7 } from 'uuid';
import { createCreateNote } from './app/create-note.ts';
import { type CreateWelcomeNote, createCreateWelcomeNote } from './app/create-welcome-note.ts';
import { createDeleteNote } from './app/delete-note.ts';
import { createDeleteUserNotes } from './app/delete-user-notes.ts';
import { createGetNote } from './app/get-note.ts';
import { createListChanges } from './app/list-changes.ts';
import { createListNotes } from './app/list-notes.ts';
import { createListTags } from './app/list-tags.ts';
import { createPatchNote } from './app/patch-note.ts';
import type { Clock, NewId, TransactionScope, UnitOfWork } from './app/ports.ts';
import { createPurgeDeletedNotes, type DeletedNotesPurge } from './app/purge-deleted-notes.ts';
import { createUpdateNote } from './app/update-note.ts';
import { createWriteOnce } from './app/write-once.ts';
import { loadNotesConfig, type NotesConfig } from './config.ts';
import { createIdempotencyKeys, createRecordedIdempotencyKeys, purgeIdempotencyKeys } from './db/idempotency-keys.ts';
import { migrateNotesDatabase } from './db/migrations.ts';
import { createNoteChanges } from './db/note-changes.ts';
import { createNoteReads, createNotesRepository } from './db/notes-repository.ts';
import { idempotencyKeysSince } from './domain/idempotency.ts';
import { notesServiceCallers } from './grpc/callers.ts';
import { mapNotesError } from './grpc/error-mapper.ts';
import { type NoteWrites, notesServiceImpl } from './grpc/notes-service.ts';
import { notesSagaCommands } from './kafka/saga-commands.ts';
import { createNoteEvents } from './outbox/note-events.ts';

/** What tests (and main) may swap; everything else comes from the config. */
export interface NotesServiceOverrides {
  clock?: Clock;
  newId?: NewId;
  logger?: Logger;
  /** Another way to answer CreateWelcomeNote (tests: a refusal, so that SignUpSaga compensates). */
  createWelcomeNote?: CreateWelcomeNote;
}

export type NotesServiceInstance = GrpcService;

const systemClock: Clock = { now: () => new Date() };

/** The whole notes-service for one configuration; nothing is shared between instances. */
export function composeNotesService(config: NotesConfig, overrides: NotesServiceOverrides = {}): NotesServiceInstance {
  const clock = overrides.clock ?? systemClock;
  const newId = overrides.newId ?? (() => uuidv7());
  return createGrpcService({
    name: 'notes-service',
    settings: config,
    migrations: migrateNotesDatabase,
    logger: overrides.logger,
    application: ({ pool, outbox }) => {
      // One transaction: the note's row and its events and saga replies (outbox rows) commit
      // together. A new note and its event are deferred writes: with no query before them, one statement.
      const scopeOf = (tx: Transaction): TransactionScope => ({
        notes: createNotesRepository(tx),
        events: createNoteEvents(tx),
        replies: createSagaReplies(tx, { clock }),
        idempotencyKeys: createIdempotencyKeys(tx),
      });
      const unitOfWork = createUnitOfWork({ pool, scopeOf, outbox });
      const notes = createNoteReads(pool);
      const changes = createNoteChanges(pool);
      const writesIn = (transaction: UnitOfWork): NoteWrites => ({
        createNote: createCreateNote({ unitOfWork: transaction, clock, newId }),
        updateNote: createUpdateNote({ unitOfWork: transaction, clock }),
        patchNote: createPatchNote({ unitOfWork: transaction, clock }),
        deleteNote: createDeleteNote({ unitOfWork: transaction, clock }),
      });
      const useCases = {
        ...writesIn(unitOfWork),
        getNote: createGetNote({ notes }),
        listNotes: createListNotes({ notes }),
        listTags: createListTags({ notes }),
        listChanges: createListChanges({ changes }),
        // A write with an Idempotency-Key: the same writes, in the transaction that records the key.
        writeOnce: createWriteOnce({ unitOfWork, keys: createRecordedIdempotencyKeys(pool), clock }),
        writesIn,
      };
      const sagaUseCases = {
        createWelcomeNote: overrides.createWelcomeNote ?? createCreateWelcomeNote({ clock, newId }),
        deleteUserNotes: createDeleteUserNotes({ clock }),
      };
      return {
        routes: (router) => router.service(NotesService, notesServiceImpl(useCases)),
        callers: notesServiceCallers,
        mapError: mapNotesError,
        consumes: config.saga.consumer ? { scopeOf, handlers: notesSagaCommands(sagaUseCases) } : undefined,
        retention: [
          deletedNotesRetention(config, { notes: changes, clock }),
          {
            table: 'idempotency_keys',
            everyMs: config.idempotencyKeys.purgeIntervalSeconds * 1000,
            purge: () =>
              purgeIdempotencyKeys(pool, idempotencyKeysSince(clock.now()), config.idempotencyKeys.purgeChunkSize),
          },
        ],
      };
    },
  });
}

/** What main.ts runs (and a test's variant of it, with overrides): serving, or `migrate up|down`. */
export function notesServiceEntry(overrides: Omit<NotesServiceOverrides, 'logger'> = {}): ServiceEntry<NotesConfig> {
  return {
    name: 'notes-service',
    loadConfig: (env) => loadNotesConfig(env),
    compose: (config, logger) => composeNotesService(config, { ...overrides, logger }),
    migrate: { loadConfig: (env) => loadNotesConfig(env), apply: migrateNotesDatabase },
  };
}

const minuteMs = 60_000;
const dayMs = 24 * 60 * minuteMs;

/**
 * Every changeFeed.purgeEveryMinutes, removes the notes deleted longer ago than the change feed's
 * retention, and with them their deletion markers (ADR 0011). Every replica runs it.
 */
function deletedNotesRetention(
  config: NotesConfig,
  { notes, clock }: { notes: DeletedNotesPurge; clock: Clock },
): RetentionPurge {
  return {
    table: 'notes (deleted)',
    everyMs: config.changeFeed.purgeEveryMinutes * minuteMs,
    purge: createPurgeDeletedNotes({
      notes,
      clock,
      retentionMs: config.changeFeed.deletionRetentionDays * dayMs,
      chunkSize: 1_000,
    }),
  };
}
