import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { createPool, type Pool, type Queryable, type Statement, withTransaction } from '@notes/postgres';
import { testFixture } from '@notes/testkit';
import { createListNotes } from '../../src/app/list-notes.ts';
import type { NotesRepository } from '../../src/app/ports.ts';
import { createNoteReads, createNotesRepository } from '../../src/db/notes-repository.ts';
import { InvalidCursor } from '../../src/domain/errors.ts';
import type { Note } from '../../src/domain/note.ts';
import { migratedNotesDatabase, type NotesDatabase } from '../support/database.ts';
import { aNote } from '../support/notes.ts';

const fixture = testFixture();
let database: NotesDatabase;
let pool: Pool;
let notes: NotesRepository;

before(async () => {
  database = await migratedNotesDatabase(fixture, 'notes_repository');
  pool = database.pool;
  notes = committing(pool);
});

/** The repository with each call in a transaction of its own, as a use case would make it. */
function committing(db: Pool): NotesRepository {
  const inTransaction = <T>(call: (repository: NotesRepository) => Promise<T>) =>
    withTransaction(db, (tx) => call(createNotesRepository(tx)));
  return {
    insert: (note) => inTransaction((repository) => repository.insert(note)),
    insertWelcomeNote: (note) => inTransaction((repository) => repository.insertWelcomeNote(note)),
    findLive: (ref) => inTransaction((repository) => repository.findLive(ref)),
    lockLive: (ref) => inTransaction((repository) => repository.lockLive(ref)),
    countTags: (ownerId) => inTransaction((repository) => repository.countTags(ownerId)),
    listLive: (ownerId, after, count, filter) =>
      inTransaction((repository) => repository.listLive(ownerId, after, count, filter)),
    listRanked: (ownerId, after, count, filter) =>
      inTransaction((repository) => repository.listRanked(ownerId, after, count, filter)),
    updateLive: (change) => inTransaction((repository) => repository.updateLive(change)),
    softDeleteLive: (ref, deletedAt) => inTransaction((repository) => repository.softDeleteLive(ref, deletedAt)),
    deleteAllOf: (ownerId, deletedAt) => inTransaction((repository) => repository.deleteAllOf(ownerId, deletedAt)),
  };
}

const base = Date.parse('2026-11-23T10:00:00.000Z');

/** Newest first by created_at, then id: PostgreSQL orders uuids bytewise, as their lower-case hex compares. */
function newestFirst(a: Note, b: Note): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

describe('notes repository', () => {
  test('stores and reads a note back as it was, to the millisecond', async () => {
    const note = {
      ...aNote(randomUUID(), base + 123),
      title: 'Grüße 😀',
      content: 'line 1\nline 2',
      tags: ['заметки', 'to-do_1'],
      pinned: true,
      archived: true,
    };
    await notes.insert(note);
    assert.deepEqual(await notes.findLive({ ownerId: note.ownerId, noteId: note.id }), note);
    assert.equal(await notes.findLive({ ownerId: randomUUID(), noteId: note.id }), undefined, "another owner's");
  });

  test('lists newest first, breaking created_at ties by id (descending)', async () => {
    const ownerId = randomUUID();
    // Three notes share one created_at. They go in by ascending id, the opposite of the expected
    // order, so an ORDER BY without the id tie-break would show in the result.
    const tied = [aNote(ownerId, base + 5), aNote(ownerId, base + 5), aNote(ownerId, base + 5)];
    const inserted = [
      aNote(ownerId, base),
      ...tied.toSorted((a, b) => a.id.localeCompare(b.id)),
      aNote(ownerId, base + 1),
    ];
    for (const note of inserted) await notes.insert(note);

    // Without index scans the order comes from the ORDER BY alone, not from the index's order.
    const listed = await withTransaction(pool, async (tx) => {
      await tx.query(
        'SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off; SET LOCAL enable_bitmapscan = off',
      );
      return createNotesRepository(tx).listLive(ownerId, undefined, 10);
    });

    assert.deepEqual(
      listed.map((note) => note.id),
      inserted.toSorted(newestFirst).map((note) => note.id),
    );
  });

  test('resumes strictly after a position inside a run of equal created_at', async () => {
    const ownerId = randomUUID();
    const inserted = Array.from({ length: 5 }, () => aNote(ownerId, base));
    for (const note of inserted) await notes.insert(note);
    const sorted = inserted.toSorted(newestFirst);

    const rest = await notes.listLive(ownerId, sorted[1], 10);

    assert.deepEqual(
      rest.map((note) => note.id),
      sorted.slice(2).map((note) => note.id),
    );
  });

  test('a soft-deleted note is neither found, listed, updated nor deleted again', async () => {
    const ownerId = randomUUID();
    const [kept, deleted] = [aNote(ownerId, base), aNote(ownerId, base + 1)];
    await notes.insert(kept);
    await notes.insert(deleted);
    const ref = { ownerId, noteId: deleted.id };

    assert.deepEqual(await notes.softDeleteLive(ref, new Date(base + 2)), {
      ...ref,
      version: 1,
      deletedAt: new Date(base + 2),
    });

    assert.equal(await notes.findLive(ref), undefined);
    assert.deepEqual(
      (await notes.listLive(ownerId, undefined, 10)).map((note) => note.id),
      [kept.id],
    );
    const change = {
      ...ref,
      title: 't',
      content: '',
      tags: [],
      pinned: false,
      archived: false,
      updatedAt: new Date(base + 3),
      expectedVersion: undefined,
    };
    assert.equal(await notes.updateLive(change), undefined);
    assert.equal(await notes.softDeleteLive(ref, new Date(base + 4)), undefined);
    const { rows } = await pool.query('SELECT deleted_at FROM notes WHERE id = $1', [deleted.id]);
    assert.deepEqual(rows, [{ deleted_at: new Date(base + 2) }], 'the row stays, marked deleted');
  });

  test('an owner gets one welcome note, ever: not again, not after deleting it, not when two race', async () => {
    const ownerId = randomUUID();
    const first = aNote(ownerId, base, 'Welcome');
    assert.equal(await notes.insertWelcomeNote(first), true);
    assert.equal(await notes.insertWelcomeNote(aNote(ownerId, base + 1, 'Welcome')), false, 'again');
    await notes.softDeleteLive({ ownerId, noteId: first.id }, new Date(base + 2));
    assert.equal(await notes.insertWelcomeNote(aNote(ownerId, base + 3, 'Welcome')), false, 'after its deletion');

    const racer = randomUUID();
    const inserted = await Promise.all([
      notes.insertWelcomeNote(aNote(racer, base, 'Welcome')),
      notes.insertWelcomeNote(aNote(racer, base, 'Welcome')),
    ]);
    assert.deepEqual(inserted.toSorted(), [false, true]);

    // The owner's own notes are not limited, and are no welcome note.
    const other = randomUUID();
    await notes.insert(aNote(other, base));
    await notes.insert(aNote(other, base + 1));
    assert.equal(await notes.insertWelcomeNote(aNote(other, base + 2, 'Welcome')), true);
    const { rows } = await pool.query('SELECT kind, count(*)::int AS n FROM notes WHERE owner_id = $1 GROUP BY kind', [
      other,
    ]);
    assert.deepEqual(
      rows.toSorted((a, b) => a.kind.localeCompare(b.kind)),
      [
        { kind: 'note', n: 2 },
        { kind: 'welcome', n: 1 },
      ],
    );
  });

  test("deleting all of an owner's notes removes their rows, deleted ones too, returns the live ones and leaves others' alone", async () => {
    const ownerId = randomUUID();
    const [live, alsoLive, softDeleted] = [aNote(ownerId, base), aNote(ownerId, base + 1), aNote(ownerId, base + 2)];
    const welcome = aNote(ownerId, base + 3, 'Welcome');
    for (const note of [live, alsoLive, softDeleted]) await notes.insert(note);
    await notes.insertWelcomeNote(welcome);
    await notes.softDeleteLive({ ownerId, noteId: softDeleted.id }, new Date(base + 4));
    const someoneElses = aNote(randomUUID(), base);
    await notes.insert(someoneElses);

    const deletedAt = new Date(base + 5);
    const deleted = await notes.deleteAllOf(ownerId, deletedAt);

    assert.deepEqual(deleted.map((ref) => ref.noteId).toSorted(), [live.id, alsoLive.id, welcome.id].toSorted());
    assert.ok(deleted.every((ref) => ref.ownerId === ownerId));
    assert.ok(
      deleted.every((note) => note.version === 1 && note.deletedAt === deletedAt),
      'last version, deleted then',
    );
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM notes WHERE owner_id = $1', [ownerId]);
    assert.equal(rows[0].n, 0, 'no row left, not even the soft-deleted one');
    assert.deepEqual(await notes.findLive({ ownerId: someoneElses.ownerId, noteId: someoneElses.id }), someoneElses);
    assert.deepEqual(await notes.deleteAllOf(ownerId, deletedAt), [], 'nothing left the second time');
  });

  test("locking a live note holds off another transaction's update until the lock's transaction ends", async () => {
    const note = aNote(randomUUID(), base);
    await notes.insert(note);
    const ref = { ownerId: note.ownerId, noteId: note.id };
    assert.equal(await notes.lockLive({ ...ref, ownerId: randomUUID() }), undefined, "another owner's");
    const order: string[] = [];
    let releaseLock = () => {};
    const held = new Promise<void>((resolve) => {
      releaseLock = resolve;
    });
    let locked = () => {};
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const locker = withTransaction(pool, async (tx) => {
      assert.deepEqual(await createNotesRepository(tx).lockLive(ref), note);
      locked();
      await held;
      order.push('lock released');
    });
    await lockTaken;
    const change = { ...ref, title: 'after', content: '', tags: [], pinned: false, archived: false };
    const writer = notes
      .updateLive({ ...change, updatedAt: new Date(base + 1), expectedVersion: 1 })
      .then((updated) => order.push(`updated to ${updated?.version}`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    releaseLock();
    await Promise.all([locker, writer]);
    assert.deepEqual(order, ['lock released', 'updated to 2']);
  });

  test("counts an owner's tags over live notes, archived ones too: most used first, then by name", async () => {
    const ownerId = randomUUID();
    const tagged = (tags: string[], archived = false) => ({ ...aNote(ownerId, base), tags, archived });
    for (const note of [tagged(['b', 'work']), tagged(['a', 'work']), tagged(['work', 'я'], true), tagged([])]) {
      await notes.insert(note);
    }
    const deleted = tagged(['b', 'gone']);
    await notes.insert(deleted);
    await notes.softDeleteLive({ ownerId, noteId: deleted.id }, new Date(base + 1));
    await notes.insert({ ...aNote(randomUUID(), base), tags: ['work'] });

    assert.deepEqual(await notes.countTags(ownerId), [
      { tag: 'work', count: 3 },
      { tag: 'a', count: 1 },
      { tag: 'b', count: 1 },
      { tag: 'я', count: 1 },
    ]);
    assert.deepEqual(await notes.countTags(randomUUID()), []);
  });

  test('updates only at the expected version, and bumps the version', async () => {
    const note = aNote(randomUUID(), base);
    await notes.insert(note);
    const change = {
      ownerId: note.ownerId,
      noteId: note.id,
      title: 'new',
      content: 'body',
      tags: ['a', 'b'],
      pinned: true,
      archived: true,
      updatedAt: new Date(base + 9),
    };

    assert.equal(await notes.updateLive({ ...change, expectedVersion: 2 }), undefined, 'stale version');
    const updated = await notes.updateLive({ ...change, expectedVersion: 1 });
    assert.deepEqual(updated, {
      ...note,
      title: 'new',
      content: 'body',
      tags: ['a', 'b'],
      pinned: true,
      archived: true,
      version: 2,
      updatedAt: new Date(base + 9),
    });
    assert.deepEqual(await notes.findLive(change), updated, 'read back as written');
    const unconditional = await notes.updateLive({ ...change, expectedVersion: undefined });
    assert.equal(unconditional?.version, 3);
    assert.equal(await notes.updateLive({ ...change, ownerId: randomUUID(), expectedVersion: undefined }), undefined);
  });

  test('walking every page while another writer inserts returns each earlier note exactly once', async () => {
    const ownerId = randomUUID();
    // 47 notes in runs of 3 equal created_at, so runs straddle the boundaries of pages of 5.
    const existing = Array.from({ length: 47 }, (_, i) => aNote(ownerId, base + Math.floor(i / 3)));
    for (const note of existing) await notes.insert(note);
    await notes.softDeleteLive({ ownerId, noteId: (existing.pop() as Note).id }, new Date(base + 100));

    // A second writer with connections of its own adds notes between the page reads: newer ones
    // (which would shift an OFFSET-based walk and repeat notes) and ones tied with existing notes.
    const writerPool = createPool({ dsn: database.url, maxConnections: 2, applicationName: 'concurrent-writer' });
    const writer = committing(writerPool);
    const listNotes = createListNotes({ notes });
    const seen: string[] = [];
    let writes = 0;
    try {
      let cursor: string | undefined;
      do {
        const page = await listNotes({ ownerId, limit: 5, cursor });
        seen.push(...page.notes.map((note) => note.id));
        cursor = page.nextCursor;
        await Promise.all([
          writer.insert(aNote(ownerId, base + 1_000 + writes, 'newer')),
          writer.insert(aNote(ownerId, base + (writes % 15), 'tied')),
          writer.insert(aNote(ownerId, base + 2_000 + writes, 'newer')),
        ]);
        writes += 1;
      } while (cursor !== undefined);
    } finally {
      await writerPool.end();
    }

    assert.ok(writes >= 10, 'the writer inserted between the page reads');
    assert.equal(new Set(seen).size, seen.length, 'no note came twice');
    const seenIds = new Set(seen);
    assert.deepEqual(
      existing.filter((note) => !seenIds.has(note.id)),
      [],
      'every note that existed before the walk came',
    );
  });

  // The statement is prepared: after a few runs PostgreSQL may keep one plan for any owner (generic).
  for (const generic of [false, true]) {
    test(`the page query walks the live-notes index in order, without sorting (${generic ? 'generic' : 'custom'} plan)`, async () => {
      const plan = await withTransaction(pool, async (tx) => {
        await tx.query('SET LOCAL enable_seqscan = off'); // the table is nearly empty: make the planner show its index choice
        // Runs the repository's own SQL under EXPLAIN, so the test checks the query as it is.
        const lines: string[] = [];
        const explaining = {
          query: async ({ text, values }: Statement) => {
            const result = generic
              ? await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (GENERIC_PLAN) ${text}`)
              : await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
            lines.push(...result.rows.map((row) => row['QUERY PLAN']));
            return { ...result, rows: [] };
          },
        } as unknown as Queryable;
        await createNoteReads(explaining).listLive(randomUUID(), { createdAt: new Date(base), id: randomUUID() }, 21);
        return lines.join('\n');
      });

      assert.match(plan, /Index (Only )?Scan using notes_owner_live_page_idx/);
      assert.match(plan, /Index Cond: .*ROW\(created_at, id\) </, 'the position bounds the index scan');
      assert.doesNotMatch(plan, /Sort/);
    });
  }
});

describe('notes repository: list filters', () => {
  type Fields = Pick<Note, 'tags' | 'pinned' | 'archived'>;
  // 30 notes cycling through every combination, in runs of 2 equal created_at so that runs straddle pages.
  const combinations: Fields[] = [
    { tags: [], pinned: false, archived: false },
    { tags: ['work'], pinned: true, archived: false },
    { tags: ['home', 'work'], pinned: false, archived: false },
    { tags: ['work'], pinned: false, archived: true },
    { tags: ['home'], pinned: true, archived: true },
  ];
  const filters: [string, { archived?: boolean; pinned?: boolean; tags?: string[] }, (note: Fields) => boolean][] = [
    ['none (not archived)', {}, (n) => !n.archived],
    ['archived', { archived: true }, (n) => n.archived],
    ['pinned', { pinned: true }, (n) => n.pinned && !n.archived],
    ['not pinned', { pinned: false }, (n) => !n.pinned && !n.archived],
    ['archived and pinned', { archived: true, pinned: true }, (n) => n.pinned && n.archived],
    ['one tag', { tags: ['work'] }, (n) => n.tags.includes('work') && !n.archived],
    ['two tags', { tags: ['work', 'home'] }, (n) => n.tags.includes('work') && n.tags.includes('home') && !n.archived],
    ['a tag, archived', { tags: ['#Home'], archived: true }, (n) => n.tags.includes('home') && n.archived],
    ['a tag no note carries', { tags: ['nothing'] }, () => false],
  ];

  async function organisedOwner() {
    const ownerId = randomUUID();
    const inserted = Array.from({ length: 30 }, (_, i) => ({
      ...aNote(ownerId, base + Math.floor(i / 2)),
      ...combinations[i % combinations.length],
    })) as Note[];
    for (const note of inserted) await notes.insert(note);
    await notes.insert({ ...aNote(randomUUID(), base), tags: ['work'] }); // another owner's
    return { ownerId, inserted };
  }

  test('each filter lists exactly its matches, newest first, and walking its pages returns each once', async () => {
    const { ownerId, inserted } = await organisedOwner();
    const listNotes = createListNotes({ notes });
    for (const [name, filter, matches] of filters) {
      const expected = inserted
        .filter(matches)
        .toSorted(newestFirst)
        .map((note) => note.id);
      const firstPage = await listNotes({ ownerId, limit: 100, cursor: undefined, ...filter });
      assert.deepEqual(
        firstPage.notes.map((note) => note.id),
        expected,
        `${name}: one page`,
      );
      const walked: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listNotes({ ownerId, limit: 2, cursor, ...filter });
        walked.push(...page.notes.map((note) => note.id));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      assert.deepEqual(walked, expected, `${name}: pages of 2`);
    }
  });

  test('a cursor made under one filter is refused under another', async () => {
    const { ownerId } = await organisedOwner();
    const listNotes = createListNotes({ notes });
    const page = await listNotes({ ownerId, limit: 1, cursor: undefined, tags: ['work'] });
    assert.notEqual(page.nextCursor, undefined);
    for (const other of [
      {},
      { tags: ['home'] },
      { tags: ['work'], pinned: true },
      { tags: ['work'], archived: true },
    ]) {
      await assert.rejects(listNotes({ ownerId, limit: 1, cursor: page.nextCursor, ...other }), InvalidCursor);
    }
  });

  test('a filtered page query still walks the live-notes index in order, without sorting (generic plan)', async () => {
    const plan = await withTransaction(pool, async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      const lines: string[] = [];
      const explaining = {
        query: async ({ text }: Statement) => {
          const result = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (GENERIC_PLAN) ${text}`);
          lines.push(...result.rows.map((row) => row['QUERY PLAN']));
          return { ...result, rows: [] };
        },
      } as unknown as Queryable;
      await createNoteReads(explaining).listLive(randomUUID(), { createdAt: new Date(base), id: randomUUID() }, 21, {
        archived: true,
        pinned: true,
        tags: ['work'],
      });
      return lines.join('\n');
    });
    assert.match(plan, /Index (Only )?Scan using notes_owner_live_page_idx/);
    assert.doesNotMatch(plan, /Sort/);
  });
});
