import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { type Pool, type Statement, withTransaction } from '@notes/postgres';
import { testFixture } from '@notes/testkit';
import { type ChangesPage, createListChanges, type ListChanges } from '../../src/app/list-changes.ts';
import type { NotesRepository } from '../../src/app/ports.ts';
import { createPurgeDeletedNotes } from '../../src/app/purge-deleted-notes.ts';
import { createNoteChanges } from '../../src/db/note-changes.ts';
import { createNotesRepository } from '../../src/db/notes-repository.ts';
import { decodeChangeCursor } from '../../src/domain/change-cursor.ts';
import { ChangeCursorExpired, InvalidCursor } from '../../src/domain/errors.ts';
import { type Note, normalizeNoteFields } from '../../src/domain/note.ts';
import { migratedNotesDatabase } from '../support/database.ts';

const fixture = testFixture();
let pool: Pool;
let listChanges: ListChanges;

before(async () => {
  ({ pool } = await migratedNotesDatabase(fixture, 'note_changes'));
  listChanges = createListChanges({ changes: createNoteChanges(pool) });
});

const now = new Date('2026-12-05T04:00:00.000Z');
const dayMs = 24 * 60 * 60 * 1000;

function aNote(ownerId: string, title: string): Note {
  return {
    ...normalizeNoteFields({ title, content: '' }),
    id: randomUUID(),
    ownerId,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

function write<T>(work: (notes: NotesRepository) => Promise<T>): Promise<T> {
  return withTransaction(pool, (tx) => work(createNotesRepository(tx)));
}

async function create(ownerId: string, title: string): Promise<Note> {
  const note = aNote(ownerId, title);
  await write((notes) => notes.insert(note));
  return note;
}

function retitle(notes: NotesRepository, note: Note, title: string): Promise<Note | undefined> {
  return notes.updateLive({ ...note, noteId: note.id, title, updatedAt: now, expectedVersion: undefined });
}

/** What a client following the feed holds: note id → the note. */
type Replica = Map<string, Note>;

function apply(replica: Replica, page: ChangesPage): void {
  for (const change of page.changes) {
    const held = replica.get(change.op === 'upsert' ? change.note.id : change.noteId);
    const version = change.op === 'upsert' ? change.note.version : change.version;
    assert.ok(held === undefined || held.version <= version, 'versions only increase along the feed');
    if (change.op === 'upsert') replica.set(change.note.id, change.note);
    else replica.delete(change.noteId);
  }
}

/** Follows the feed from cursor until it has no more at once; returns the cursor to resume from. */
async function catchUp(replica: Replica, ownerId: string, cursor: string | undefined, limit = 100): Promise<string> {
  let page = await listChanges({ ownerId, limit, cursor });
  apply(replica, page);
  while (page.hasMore) {
    page = await listChanges({ ownerId, limit, cursor: page.nextCursor });
    apply(replica, page);
  }
  return page.nextCursor;
}

async function serverState(ownerId: string): Promise<Replica> {
  const { rows } = await pool.query<{ id: string; title: string; version: string }>(
    'SELECT id, title, version FROM notes WHERE owner_id = $1 AND deleted_at IS NULL',
    [ownerId],
  );
  return new Map(rows.map((row) => [row.id, { title: row.title, version: Number(row.version) } as Note]));
}

function summary(replica: Replica): [string, string, number][] {
  return [...replica]
    .map(([id, note]): [string, string, number] => [id, note.title, note.version])
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

describe('change feed', () => {
  test('a transaction that commits after later ones is not skipped: the cursor does not move past it while it is open', async () => {
    const owner = randomUUID();
    const early = await create(owner, 'early');
    const replica: Replica = new Map();
    const cursor = await catchUp(replica, owner, undefined);

    // The slow transaction takes its id (and the row lock) first, then waits for the others.
    let commitSlow = () => {};
    const slowMayCommit = new Promise<void>((resolve) => {
      commitSlow = resolve;
    });
    let wrote = () => {};
    const slowWrote = new Promise<void>((resolve) => {
      wrote = resolve;
    });
    const late = aNote(owner, 'created by the slow transaction');
    const slow = write(async (notes) => {
      await retitle(notes, early, 'updated by the slow transaction');
      await notes.insert(late);
      wrote();
      await slowMayCommit;
    });
    await slowWrote;
    const second = await create(owner, 'second');
    const third = await create(owner, 'third');

    const whileOpen = await listChanges({ ownerId: owner, limit: 100, cursor });
    apply(replica, whileOpen);
    assert.deepEqual(
      whileOpen.changes.map((change) => (change.op === 'upsert' ? change.note.title : change.op)),
      ['second', 'third'],
      'the committed ones, not the open one',
    );
    const again = await listChanges({ ownerId: owner, limit: 100, cursor: whileOpen.nextCursor });
    assert.deepEqual(again.changes, [], 'nothing new has committed');

    commitSlow();
    await slow;
    const afterCommit = await listChanges({ ownerId: owner, limit: 100, cursor: again.nextCursor });
    apply(replica, afterCommit);
    assert.deepEqual(
      afterCommit.changes.map((change) => (change.op === 'upsert' ? [change.note.id, change.note.version] : [])),
      [early.id, late.id].sort().map((id) => [id, id === early.id ? 2 : 1]),
      'the slow transaction appears once it has committed, behind the cursor of later ones',
    );
    assert.deepEqual(summary(replica), summary(await serverState(owner)));
    assert.ok(replica.has(second.id) && replica.has(third.id));
  });

  test('a full sync pages through every live note (archived included, deleted not) while notes change between pages', async () => {
    const owner = randomUUID();
    const created: Note[] = [];
    for (let index = 0; index < 7; index += 1) created.push(await create(owner, `note ${index}`));
    const [first, , , , , sixth, seventh] = created as [Note, Note, Note, Note, Note, Note, Note];
    await write((notes) =>
      notes.updateLive({ ...first, noteId: first.id, archived: true, updatedAt: now, expectedVersion: undefined }),
    );
    const gone = await create(owner, 'deleted before the sync');
    await write((notes) => notes.softDeleteLive({ ownerId: owner, noteId: gone.id }, now));

    const replica: Replica = new Map();
    const page1 = await listChanges({ ownerId: owner, limit: 3, cursor: undefined });
    apply(replica, page1);
    assert.equal(page1.changes.length, 3);
    assert.equal(page1.hasMore, true);
    assert.ok(page1.changes.every((change) => change.op === 'upsert'));
    assert.equal(page1.changes.at(-1)?.cursor, page1.nextCursor, 'a change carries the cursor after it');

    // Between pages: one note already sent changes, one not yet sent is deleted, one is created.
    const sent = page1.changes[0]?.op === 'upsert' ? page1.changes[0].note : first;
    await write((notes) => retitle(notes, sent, 'changed between pages'));
    await write((notes) => notes.softDeleteLive({ ownerId: owner, noteId: seventh.id }, now));
    await create(owner, 'created between pages');
    await write((notes) => retitle(notes, sixth, 'also changed between pages'));

    const cursor = await catchUp(replica, owner, page1.nextCursor, 3);
    const caughtUp = await catchUp(replica, owner, cursor, 3);
    assert.deepEqual(summary(replica), summary(await serverState(owner)));
    assert.ok(!replica.has(gone.id));
    assert.equal((await listChanges({ ownerId: owner, limit: 3, cursor: caughtUp })).changes.length, 0);
  });

  test('changes after a cursor are compacted to the latest state; a deletion is a marker with the last version', async () => {
    const owner = randomUUID();
    const kept = await create(owner, 'kept');
    const deleted = await create(owner, 'deleted');
    const { nextCursor } = await listChanges({ ownerId: owner, limit: 100, cursor: undefined });

    let latest = kept;
    for (const title of ['v2', 'v3', 'v4']) latest = (await write((notes) => retitle(notes, latest, title))) ?? latest;
    await write((notes) => retitle(notes, deleted, 'v2 of the deleted one'));
    await write((notes) => notes.softDeleteLive({ ownerId: owner, noteId: deleted.id }, now));
    const shortLived = await create(owner, 'created and deleted within the window');
    await write((notes) => notes.softDeleteLive({ ownerId: owner, noteId: shortLived.id }, now));

    const page = await listChanges({ ownerId: owner, limit: 100, cursor: nextCursor });
    assert.deepEqual(
      page.changes.map(({ cursor: _cursor, ...change }) => change),
      [
        { op: 'upsert', note: { ...kept, title: 'v4', version: 4 } },
        { op: 'delete', noteId: deleted.id, version: 2 },
        { op: 'delete', noteId: shortLived.id, version: 1 },
      ],
    );
    assert.equal(page.hasMore, false);
  });

  test('every cursor of a page resumes right after its change', async () => {
    const owner = randomUUID();
    for (const title of ['a', 'b', 'c', 'd']) await create(owner, title);
    const page = await listChanges({ ownerId: owner, limit: 4, cursor: undefined });
    const titles = (changes: ChangesPage['changes']) =>
      changes.map((change) => (change.op === 'upsert' ? change.note.title : change.op));
    assert.deepEqual(titles(page.changes), ['a', 'b', 'c', 'd']);
    const [, second] = page.changes;
    const rest = await listChanges({ ownerId: owner, limit: 4, cursor: second?.cursor });
    assert.deepEqual(titles(rest.changes), ['c', 'd']);
    assert.equal(rest.nextCursor, page.nextCursor, 'the same pass ends at the same cursor');
  });

  test("only the owner's notes, and a cursor that does not decode is refused", async () => {
    const owner = randomUUID();
    await create(randomUUID(), "someone else's");
    assert.deepEqual((await listChanges({ ownerId: owner, limit: 100, cursor: undefined })).changes, []);
    await assert.rejects(listChanges({ ownerId: owner, limit: 100, cursor: 'bm90IGEgY3Vyc29y' }), InvalidCursor);
  });

  test('deleted notes past the retention are purged; a cursor that did not see their deletion is then 410, a later one is not', async () => {
    const owner = randomUUID();
    const old = await create(owner, 'deleted long ago');
    const recent = await create(owner, 'deleted lately');
    const { nextCursor: beforeDeletions } = await listChanges({ ownerId: owner, limit: 100, cursor: undefined });
    await write((notes) =>
      notes.softDeleteLive({ ownerId: owner, noteId: old.id }, new Date(now.getTime() - 31 * dayMs)),
    );
    await write((notes) => notes.softDeleteLive({ ownerId: owner, noteId: recent.id }, now));
    let { nextCursor: afterDeletions } = await listChanges({ ownerId: owner, limit: 100, cursor: beforeDeletions });
    // A snapshot's xmin is the oldest transaction open in the whole server, other test files' too:
    // follow the feed until the cursor is past the old deletion, as a client's next poll would be.
    const { rows: deletion } = await pool.query<{ xid: string }>(
      'SELECT change_xid::text AS xid FROM notes WHERE id = $1',
      [old.id],
    );
    while ((decodeChangeCursor(afterDeletions).since?.xmin ?? 0n) <= BigInt(deletion[0]?.xid ?? 0)) {
      await setTimeout(10);
      ({ nextCursor: afterDeletions } = await listChanges({ ownerId: owner, limit: 100, cursor: afterDeletions }));
    }

    const purge = createPurgeDeletedNotes({
      notes: createNoteChanges(pool),
      clock: { now: () => now },
      retentionMs: 30 * dayMs,
      chunkSize: 1,
    });
    assert.ok((await purge()) >= 1);
    const { rows } = await pool.query('SELECT id FROM notes WHERE owner_id = $1 ORDER BY title', [owner]);
    assert.deepEqual(rows, [{ id: recent.id }], 'the recent deletion keeps its marker');

    await assert.rejects(listChanges({ ownerId: owner, limit: 100, cursor: beforeDeletions }), ChangeCursorExpired);
    assert.deepEqual((await listChanges({ ownerId: owner, limit: 100, cursor: afterDeletions })).changes, []);
    assert.deepEqual((await listChanges({ ownerId: owner, limit: 100, cursor: undefined })).changes, []);
  });

  test('every insert, update and soft delete stamps the row with its own transaction id, in the statement that writes it', async () => {
    const owner = randomUUID();
    const note = await create(owner, 'stamped');
    const stamped = () =>
      pool
        .query<{ change_xid: string }>('SELECT change_xid::text FROM notes WHERE id = $1', [note.id])
        .then(({ rows }) => BigInt(rows[0]?.change_xid ?? 0));
    const inserted = await stamped();
    await write((notes) => retitle(notes, note, 'moved'));
    const updated = await stamped();
    await write((notes) => notes.softDeleteLive({ ownerId: owner, noteId: note.id }, now));
    assert.ok(inserted > 0n && updated > inserted && (await stamped()) > updated);
  });

  test('a page walks the changes index from the cursor on, in feed order, without sorting (generic plan)', async () => {
    const plan = await withTransaction(pool, async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      let explained = '';
      // Only the statement's text and plan matter here: it is explained, not run.
      const explainer = {
        async query({ text }: Statement) {
          const result = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (GENERIC_PLAN) ${text}`);
          explained = result.rows.map((row) => row['QUERY PLAN']).join('\n');
          return { rows: [{ snapshot: '1:1:', purged_through: '0', xid: null }] };
        },
      };
      const snapshot = { xmin: 5n, xmax: 9n, inProgress: [6n] };
      await createNoteChanges(explainer as unknown as Pool).read({
        ownerId: randomUUID(),
        since: snapshot,
        until: { ...snapshot, xmax: 12n },
        after: { xid: 7n, noteId: randomUUID() },
        count: 101,
      });
      return explained;
    });
    assert.match(plan, /Index Scan using notes_owner_changes_idx/);
    assert.doesNotMatch(plan, /Sort/);
  });
});
