import type { Note, NoteFields } from '../domain/note.ts';
import type { NoteFilter } from '../domain/note-filter.ts';
import type { PagePosition, RankedPosition } from '../domain/page.ts';
import type { SearchQuery } from '../domain/search-query.ts';
import type { TagCount } from '../domain/tags.ts';

/** Where created_at/updated_at come from; a JS Date, so millisecond precision. */
export interface Clock {
  now(): Date;
}

/** A new, time-ordered note id (UUIDv7). */
export type NewId = () => string;

/** One note of one owner: every operation acts for an owner, and others' notes do not exist for it. */
export interface NoteRef {
  ownerId: string;
  noteId: string;
}

export interface NoteChange extends NoteRef, NoteFields {
  updatedAt: Date;
  /** Applies only if the note is at this version; undefined applies to whatever version it is at. */
  expectedVersion: number | undefined;
}

/** A note that was live until deletedAt, at its last version. */
export interface DeletedNote extends NoteRef {
  version: number;
  deletedAt: Date;
}

/** A note found by a search, with its relevance to it (higher: more relevant). */
export interface RankedNote {
  note: Note;
  rank: number;
}

/** The notes table. Every method sees live notes only: a soft-deleted note is gone for good. */
export interface NotesRepository {
  /** Writes the new note's row with the transaction's other writes (a failure rejects the transaction). */
  insert(note: Note): Promise<void>;
  findLive(ref: NoteRef): Promise<Note | undefined>;
  /** The live note, its row locked until the transaction ends (no other write can come in between). */
  lockLive(ref: NoteRef): Promise<Note | undefined>;
  /** Up to `count` live notes of the owner that pass `filter`, newest first (created_at, then id), after `after` when given. */
  listLive(ownerId: string, after: PagePosition | undefined, count: number, filter?: NoteFilter): Promise<Note[]>;
  /**
   * Up to `count` live notes of the owner that pass `filter` and match its search, most relevant
   * first, then newest (created_at, then id), after `after` when given.
   */
  listRanked(
    ownerId: string,
    after: RankedPosition | undefined,
    count: number,
    filter: NoteFilter & { search: SearchQuery },
  ): Promise<RankedNote[]>;
  /** The owner's tags over their live notes (archived ones included): most used first, then by name. */
  countTags(ownerId: string): Promise<TagCount[]>;
  /** The updated note, or undefined when no live note of that owner matched (or its version did not). */
  updateLive(change: NoteChange): Promise<Note | undefined>;
  /** The live note soft-deleted, or undefined when there was none. */
  softDeleteLive(ref: NoteRef, deletedAt: Date): Promise<DeletedNote | undefined>;
  /**
   * Inserts the owner's welcome note, unless they have had one already (even a deleted one): false
   * then. At most one per owner, ever, however often it is asked for.
   */
  insertWelcomeNote(note: Note): Promise<boolean>;
  /** Removes every note of the owner for good, deleted ones included; returns the ones that were live, deleted at deletedAt. */
  deleteAllOf(ownerId: string, deletedAt: Date): Promise<DeletedNote[]>;
}

/**
 * Records a note's events in the transaction that changes the note, so an event is published if
 * and only if its change commits. Call each after the note's row was written (its row lock taken):
 * that keeps one note's events in the order their transactions commit.
 */
export interface NoteEvents {
  /** The note was created (NoteCreated). */
  created(note: Note): Promise<void>;
  /** The note was updated to note.version (NoteUpdated). */
  updated(note: Note): Promise<void>;
  /** The note, last at `version`, was deleted at deletedAt (NoteDeleted). */
  deleted(note: DeletedNote): Promise<void>;
}

/** A saga's command to this service (saga.commands), as far as its reply needs to know. */
export interface SagaCommand {
  /** The saga's id: the reply's correlation id (and Kafka key). */
  sagaId: string;
  /** The command message's event id: the reply names the attempt it answers. */
  commandId: string;
  /** The command's envelope type, e.g. "saga.CreateWelcomeNote". */
  commandType: string;
}

/**
 * Records replies to saga commands (saga.replies) in the transaction of the command's effect, so
 * the orchestrator hears of an effect if and only if it committed.
 */
export interface SagaReplies {
  succeeded(command: SagaCommand): Promise<void>;
  /** The command was refused for good; `reason` tells the orchestrator (and its operators) why. */
  failed(command: SagaCommand, reason: string): Promise<void>;
}

/** A write's idempotency key (per owner), with the fingerprint of the request it came with. */
export interface IdempotencyClaim {
  ownerId: string;
  key: string;
  fingerprint: Uint8Array;
}

/** What was recorded with a key: the fingerprint of its first request, and the answer that request got. */
export interface RecordedAnswer {
  fingerprint: Uint8Array;
  answer: Uint8Array;
}

/** The idempotency keys, in the transaction of the write a key guards (both statements go with its writes). */
export interface IdempotencyKeys {
  /** Takes the owner's key until the transaction ends; the transaction fails if another holds it. */
  take(claim: IdempotencyClaim): Promise<void>;
  /**
   * Records the answer to the key's request, replacing one recorded before `since`; the transaction
   * fails if another holds the key, or recorded it since.
   */
  record(claim: IdempotencyClaim, answer: Uint8Array, at: Date, since: Date): Promise<void>;
}

/** Why a write transaction with a key failed, as far as the key is concerned. */
export type IdempotencyKeyFailure = 'in-flight' | 'recorded-meanwhile';

/** The idempotency keys as committed, outside any write. */
export interface RecordedIdempotencyKeys {
  /** What was recorded with the owner's key since `since`, if anything. */
  find(claim: IdempotencyClaim, since: Date): Promise<RecordedAnswer | undefined>;
  /** The key's part in a failed write transaction: another transaction holds it, or recorded it meanwhile; else undefined. */
  failureOf(error: unknown): IdempotencyKeyFailure | undefined;
}

/** What a unit of work may touch: the notes, their events, saga replies and idempotency keys, all in one transaction. */
export interface TransactionScope {
  notes: NotesRepository;
  events: NoteEvents;
  replies: SagaReplies;
  idempotencyKeys: IdempotencyKeys;
}

/**
 * One database transaction. Every write goes through it, so whatever the write records besides the
 * note (its events) commits or rolls back together with it.
 */
export interface UnitOfWork {
  /** Runs work in one transaction: committed when it resolves, rolled back when it throws. */
  run<T>(work: (scope: TransactionScope) => Promise<T>): Promise<T>;
}
