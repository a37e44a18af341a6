// In-memory fakes of notes-service's ports, for use-case tests with no I/O. Each keeps the rules of
// the adapter it stands for that a use case relies on (live notes only, one welcome note per owner,
// a transaction that rolls back when its work throws), and records what was written so that a test
// can assert it.

import type {
  DeletedNote,
  IdempotencyClaim,
  IdempotencyKeyFailure,
  IdempotencyKeys,
  NoteChange,
  NoteEvents,
  NoteRef,
  NotesRepository,
  RankedNote,
  RecordedAnswer,
  RecordedIdempotencyKeys,
  SagaCommand,
  SagaReplies,
  TransactionScope,
  UnitOfWork,
} from '../../src/app/ports.ts';
import type { Note } from '../../src/domain/note.ts';
import { type NoteFilter, unfilteredList } from '../../src/domain/note-filter.ts';
import type { PagePosition, RankedPosition } from '../../src/domain/page.ts';
import type { SearchQuery } from '../../src/domain/search-query.ts';
import type { TagCount } from '../../src/domain/tags.ts';

interface NoteRow extends Note {
  kind: 'note' | 'welcome';
  deletedAt: Date | null;
}

/** The notes table: soft delete, newest first by (createdAt, id), at most one welcome note per owner. */
export class InMemoryNotes implements NotesRepository {
  rows: NoteRow[] = [];

  async insert(note: Note): Promise<void> {
    this.add(note, 'note');
  }

  async findLive(ref: NoteRef): Promise<Note | undefined> {
    const row = this.live(ref);
    return row === undefined ? undefined : toNote(row);
  }

  async countTags(ownerId: string): Promise<TagCount[]> {
    const counts = new Map<string, number>();
    for (const row of this.rows) {
      if (row.ownerId !== ownerId || row.deletedAt !== null) continue;
      for (const tag of row.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    }
    return [...counts]
      .map(([tag, count]) => ({ tag, count }))
      .sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  }

  /** A single-threaded fake has nothing to lock against. */
  async lockLive(ref: NoteRef): Promise<Note | undefined> {
    return this.findLive(ref);
  }

  async listLive(
    ownerId: string,
    after: PagePosition | undefined,
    count: number,
    filter: NoteFilter = unfilteredList,
  ): Promise<Note[]> {
    return this.rows
      .filter((row) => row.ownerId === ownerId && row.deletedAt === null)
      .filter((row) => row.archived === filter.archived)
      .filter((row) => filter.pinned === undefined || row.pinned === filter.pinned)
      .filter((row) => filter.tags.every((tag) => row.tags.includes(tag)))
      .filter((row) => filter.search === undefined || searchRank(row, filter.search) !== undefined)
      .filter((row) => after === undefined || compareNewestFirst(row, after) > 0)
      .sort(compareNewestFirst)
      .slice(0, count)
      .map(toNote);
  }

  /** Ranks as a stand-in for PostgreSQL's ts_rank (tested against it): a point per required term in the title. */
  async listRanked(
    ownerId: string,
    after: RankedPosition | undefined,
    count: number,
    filter: NoteFilter & { search: SearchQuery },
  ): Promise<RankedNote[]> {
    const byRank = (a: RankedNote, b: RankedPosition) => b.rank - a.rank || compareNewestFirst(a.note, b);
    const matches = await this.listLive(ownerId, undefined, Number.POSITIVE_INFINITY, filter);
    return matches
      .map((note) => ({ note, rank: searchRank(note, filter.search) ?? 0 }))
      .filter((found) => after === undefined || byRank(found, after) > 0)
      .sort((a, b) => byRank(a, { ...b.note, rank: b.rank }))
      .slice(0, count);
  }

  async updateLive(change: NoteChange): Promise<Note | undefined> {
    const row = this.live(change);
    if (row === undefined) return undefined;
    if (change.expectedVersion !== undefined && row.version !== change.expectedVersion) return undefined;
    Object.assign(row, {
      title: change.title,
      content: change.content,
      tags: change.tags,
      pinned: change.pinned,
      archived: change.archived,
      version: row.version + 1,
      updatedAt: change.updatedAt,
    });
    return toNote(row);
  }

  async softDeleteLive(ref: NoteRef, deletedAt: Date): Promise<DeletedNote | undefined> {
    const row = this.live(ref);
    if (row === undefined) return undefined;
    row.deletedAt = deletedAt;
    return { ownerId: ref.ownerId, noteId: ref.noteId, version: row.version, deletedAt };
  }

  async insertWelcomeNote(note: Note): Promise<boolean> {
    if (this.rows.some((row) => row.ownerId === note.ownerId && row.kind === 'welcome')) return false;
    this.add(note, 'welcome');
    return true;
  }

  async deleteAllOf(ownerId: string, deletedAt: Date): Promise<DeletedNote[]> {
    const ofOwner = this.rows.filter((row) => row.ownerId === ownerId);
    this.rows = this.rows.filter((row) => row.ownerId !== ownerId);
    return ofOwner
      .filter((row) => row.deletedAt === null)
      .map((row) => ({ ownerId, noteId: row.id, version: row.version, deletedAt }));
  }

  private add(note: Note, kind: NoteRow['kind']): void {
    if (this.rows.some((row) => row.id === note.id)) throw new Error(`duplicate key: note ${note.id}`);
    this.rows.push({ ...note, kind, deletedAt: null });
  }

  private live({ ownerId, noteId }: NoteRef): NoteRow | undefined {
    return this.rows.find((row) => row.id === noteId && row.ownerId === ownerId && row.deletedAt === null);
  }
}

function toNote({ kind: _kind, deletedAt: _deletedAt, ...note }: NoteRow): Note {
  return { ...note };
}

/** Negative when a comes first on a page (newer; the larger id among equals). */
/**
 * Undefined when the note does not match: every required term's words start a word of its title or
 * content (phrases are not checked for adjacency), no excluded word is one of them.
 */
function searchRank(note: Note, search: SearchQuery): number | undefined {
  const words = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u);
  const title = words(note.title);
  const all = [...title, ...words(note.content)];
  const starts = (list: string[], word: string) => list.some((candidate) => candidate.startsWith(word.toLowerCase()));
  if (!search.required.every((term) => term.every((word) => starts(all, word)))) return undefined;
  if (search.excluded.some((term) => term.every((word) => all.includes(word.toLowerCase())))) return undefined;
  return search.required.filter((term) => term.every((word) => starts(title, word))).length;
}

function compareNewestFirst(a: PagePosition, b: PagePosition): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  return byTime !== 0 ? byTime : b.id < a.id ? -1 : b.id > a.id ? 1 : 0;
}

export type RecordedNoteEvent =
  | { type: 'created' | 'updated'; note: Note }
  | { type: 'deleted'; ref: NoteRef; version: number; deletedAt: Date };

/** The events the use cases recorded, in order. */
export class RecordingNoteEvents implements NoteEvents {
  recorded: RecordedNoteEvent[] = [];

  async created(note: Note): Promise<void> {
    this.recorded.push({ type: 'created', note });
  }

  async updated(note: Note): Promise<void> {
    this.recorded.push({ type: 'updated', note });
  }

  async deleted({ ownerId, noteId, version, deletedAt }: DeletedNote): Promise<void> {
    this.recorded.push({ type: 'deleted', ref: { ownerId, noteId }, version, deletedAt });
  }
}

export interface RecordedReply {
  command: SagaCommand;
  succeeded: boolean;
  reason: string;
}

/** The saga replies the use cases recorded, in order. */
export class RecordingSagaReplies implements SagaReplies {
  recorded: RecordedReply[] = [];

  async succeeded(command: SagaCommand): Promise<void> {
    this.recorded.push({ command, succeeded: true, reason: '' });
  }

  async failed(command: SagaCommand, reason: string): Promise<void> {
    this.recorded.push({ command, succeeded: false, reason });
  }
}

interface IdempotencyKeyRow extends IdempotencyClaim, RecordedAnswer {
  createdAt: Date;
}

/** What the database raises for a key: another transaction holds it, or recorded it meanwhile. */
class IdempotencyKeyRaised extends Error {
  readonly failure: IdempotencyKeyFailure;

  constructor(failure: IdempotencyKeyFailure) {
    super(failure);
    this.failure = failure;
  }
}

/**
 * The idempotency keys, per owner and key, committed and in the transaction alike (a single-threaded
 * fake); `inFlight` are keys another transaction holds. A key is recorded as its transaction's last
 * step, so no rollback ever takes one back: rows a test adds stand for other transactions' commits.
 */
export class InMemoryIdempotencyKeys implements IdempotencyKeys, RecordedIdempotencyKeys {
  rows: IdempotencyKeyRow[] = [];
  readonly inFlight = new Set<string>();

  async find({ ownerId, key }: IdempotencyClaim, since: Date): Promise<RecordedAnswer | undefined> {
    const row = this.rowOf(ownerId, key);
    return row === undefined || row.createdAt < since
      ? undefined
      : { fingerprint: row.fingerprint, answer: row.answer };
  }

  failureOf(error: unknown): IdempotencyKeyFailure | undefined {
    return error instanceof IdempotencyKeyRaised ? error.failure : undefined;
  }

  async take({ key }: IdempotencyClaim): Promise<void> {
    if (this.inFlight.has(key)) throw new IdempotencyKeyRaised('in-flight');
  }

  async record(claim: IdempotencyClaim, answer: Uint8Array, at: Date, since: Date): Promise<void> {
    await this.take(claim);
    const existing = this.rowOf(claim.ownerId, claim.key);
    if (existing !== undefined && existing.createdAt >= since) throw new IdempotencyKeyRaised('recorded-meanwhile');
    this.rows = this.rows.filter((row) => row !== existing);
    this.rows.push({ ...claim, answer, createdAt: at });
  }

  private rowOf(ownerId: string, key: string): IdempotencyKeyRow | undefined {
    return this.rows.find((row) => row.ownerId === ownerId && row.key === key);
  }
}

/**
 * One store with its events and replies; `run` is a transaction over them: when the work throws,
 * the notes, events and replies are as they were before it.
 */
export class InMemoryUnitOfWork implements UnitOfWork {
  readonly notes = new InMemoryNotes();
  readonly events = new RecordingNoteEvents();
  readonly replies = new RecordingSagaReplies();
  readonly idempotencyKeys = new InMemoryIdempotencyKeys();
  commits = 0;

  get scope(): TransactionScope {
    return { notes: this.notes, events: this.events, replies: this.replies, idempotencyKeys: this.idempotencyKeys };
  }

  async run<T>(work: (scope: TransactionScope) => Promise<T>): Promise<T> {
    const before = {
      rows: structuredClone(this.notes.rows),
      events: [...this.events.recorded],
      replies: [...this.replies.recorded],
    };
    try {
      const result = await work(this.scope);
      this.commits += 1;
      return result;
    } catch (error) {
      this.notes.rows = before.rows;
      this.events.recorded = before.events;
      this.replies.recorded = before.replies;
      throw error;
    }
  }
}
