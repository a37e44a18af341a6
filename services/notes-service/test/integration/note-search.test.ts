import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { createPool, type Pool, type Queryable, type Statement, withTransaction } from '@notes/postgres';
import { testFixture } from '@notes/testkit';
import { createListNotes, type ListNotesQuery } from '../../src/app/list-notes.ts';
import { createNoteReads, createNotesRepository } from '../../src/db/notes-repository.ts';
import { InvalidCursor } from '../../src/domain/errors.ts';
import type { Note } from '../../src/domain/note.ts';
import { parseSearchQuery } from '../../src/domain/search-query.ts';
import { migratedNotesDatabase } from '../support/database.ts';
import { aNote } from '../support/notes.ts';

const fixture = testFixture();
let pool: Pool;
let url: string;

before(async () => {
  const database = await migratedNotesDatabase(fixture, 'note_search');
  pool = database.pool;
  url = database.url;
});

const base = Date.parse('2026-11-23T10:00:00.000Z');

async function insert(db: Pool, ...notes: Note[]): Promise<void> {
  await withTransaction(db, async (tx) => {
    const repository = createNotesRepository(tx);
    for (const note of notes) await repository.insert(note);
  });
}

/** A new owner with these notes (title, content, other fields), created a millisecond apart in this order. */
async function ownerWith(...notes: [string, string, Partial<Note>?][]): Promise<string> {
  const ownerId = randomUUID();
  await insert(
    pool,
    ...notes.map(([title, content, fields], i) => aNote(ownerId, base + i + 1, title, content, fields)),
  );
  return ownerId;
}

const listNotes = () => createListNotes({ notes: createNoteReads(pool) });

async function titles(query: Omit<ListNotesQuery, 'limit' | 'cursor'>): Promise<string[]> {
  return (await listNotes()({ limit: 100, cursor: undefined, ...query })).notes.map((note) => note.title);
}

/** Every page of a list, following next_cursor; `between` runs after each page. */
async function walk(query: Omit<ListNotesQuery, 'cursor'>, between: () => Promise<void> = async () => {}) {
  const seen: Note[] = [];
  let cursor: string | undefined;
  do {
    const page = await listNotes()({ ...query, cursor });
    seen.push(...page.notes);
    cursor = page.nextCursor;
    await between();
  } while (cursor !== undefined);
  return seen;
}

describe('search', () => {
  test('finds English and Russian words by their exact form or start, in any case, in title or content', async () => {
    const ownerId = await ownerWith(
      ['Buy milk', '2 litres'],
      ['Купить МОЛОКО', 'и хлеб'],
      ['Builders', 'call them about the mill'],
      ['Notes', 'buy a Milkshake'],
    );
    await insert(pool, aNote(randomUUID(), base, 'Buy milk', "another owner's"));

    assert.deepEqual(await titles({ ownerId, q: 'bu mil' }), ['Buy milk', 'Builders', 'Notes']);
    assert.deepEqual(await titles({ ownerId, q: 'buy milk' }), ['Buy milk', 'Notes']);
    assert.deepEqual(await titles({ ownerId, q: 'MILKSHAKE' }), ['Notes']);
    assert.deepEqual(await titles({ ownerId, q: 'молоко' }), ['Купить МОЛОКО']);
    assert.deepEqual(await titles({ ownerId, q: 'куп Хле' }), ['Купить МОЛОКО']);
    assert.deepEqual(await titles({ ownerId, q: 'молоко milk' }), []);
    assert.deepEqual(await titles({ ownerId, q: 'litres 2' }), ['Buy milk']);
  });

  test('"phrases" need their words next to each other, in order; -word and -"phrase" exclude', async () => {
    const ownerId = await ownerWith(
      ['Shopping', 'buy oat milk'],
      ['Shopping', 'milk, then buy oats'],
      ['Shopping', 'buy soy milk'],
      ['Покупки', 'свежее молоко и хлеб'],
    );
    const contents = async (q: string) =>
      (await listNotes()({ ownerId, q, sort: 'newest', limit: 100, cursor: undefined })).notes.map((n) => n.content);
    assert.deepEqual(await contents('"buy oat"'), ['milk, then buy oats', 'buy oat milk'], 'each word a start');
    assert.deepEqual(await contents('"buy oat mil"'), ['buy oat milk']);
    assert.deepEqual(await contents('"oat buy"'), []);
    assert.deepEqual(await contents('milk -oat'), ['buy soy milk', 'milk, then buy oats']);
    assert.deepEqual(await contents('milk -oats'), ['buy soy milk', 'buy oat milk'], 'an exclusion is a whole word');
    assert.deepEqual(await contents('buy -"soy milk"'), ['milk, then buy oats', 'buy oat milk']);
    assert.deepEqual(await contents('"свежее молоко" -сыр'), ['свежее молоко и хлеб']);
    assert.deepEqual(await contents('молоко -Хлеб'), []);
  });

  test('orders by relevance (a word in the title ranks above one in the content), then newest; sort=newest keeps newest first', async () => {
    const ownerId = await ownerWith(
      ['Trip plan', 'hotel'],
      ['Packing', 'for the trip'],
      ['Trip budget', 'flights'],
      ['Groceries', 'trip to the market'],
    );
    assert.deepEqual(await titles({ ownerId, q: 'trip' }), ['Trip budget', 'Trip plan', 'Groceries', 'Packing']);
    assert.deepEqual(await titles({ ownerId, q: 'trip', sort: 'relevance' }), [
      'Trip budget',
      'Trip plan',
      'Groceries',
      'Packing',
    ]);
    assert.deepEqual(await titles({ ownerId, q: 'trip', sort: 'newest' }), [
      'Groceries',
      'Trip budget',
      'Packing',
      'Trip plan',
    ]);
  });

  test('hostile q is only ever words: no error, no operator, nothing else touched', async () => {
    const ownerId = await ownerWith(['a to-do', 'and more'], ["don't drop the notes table", ''], ['back\\slash', 'x']);
    assert.deepEqual(await titles({ ownerId, q: `a:* & | ! ( ) ' \\ <->` }), ['a to-do']);
    assert.deepEqual(await titles({ ownerId, q: `'); DROP TABLE notes; --` }), ["don't drop the notes table"]);
    assert.deepEqual(await titles({ ownerId, q: `don't` }), ["don't drop the notes table"]);
    assert.deepEqual(await titles({ ownerId, q: 'back\\slash' }), ['back\\slash']);
    assert.deepEqual(await titles({ ownerId, q: `!x | 'x'` }), ['back\\slash']);
    assert.deepEqual(await titles({ ownerId, q: `-"a" ::* \\' x` }), ['back\\slash']);
    assert.equal(
      (await pool.query('SELECT count(*)::int AS n FROM notes WHERE owner_id = $1', [ownerId])).rows[0].n,
      3,
    );
  });

  test('a search cursor serves only its q, sort and filters', async () => {
    const ownerId = await ownerWith(
      ['milk 0', '', { tags: ['home'] }],
      ['milk 1', '', { tags: ['home'] }],
      ['milk 2', '', { tags: ['home'] }],
    );
    const page = await listNotes()({ ownerId, q: 'milk', limit: 1, cursor: undefined });
    assert.notEqual(page.nextCursor, undefined);
    for (const other of [
      {},
      { q: 'milk', sort: 'newest' },
      { q: 'mil' },
      { q: 'milk -oat' },
      { q: 'milk', tags: ['home'] },
      { q: 'milk', pinned: false },
    ]) {
      await assert.rejects(
        listNotes()({ ownerId, limit: 1, cursor: page.nextCursor, ...other }),
        InvalidCursor,
        JSON.stringify(other),
      );
    }
    const next = await listNotes()({ ownerId, q: ' milk ', limit: 1, cursor: page.nextCursor });
    assert.equal(next.notes.length, 1, 'the same words, spaced otherwise');
  });
});

describe('search: pagination while notes are written', () => {
  // Notes whose ranks tie in runs (equal text) and whose created_at ties in runs, carrying every
  // combination of the filters, so pages end inside runs of equal (rank, created_at).
  const texts = [
    ['Milk', 'buy milk'],
    ['Milk', 'buy milk'],
    ['Shopping', 'milk and bread'],
    ['Молоко', 'milk молоко'],
    ['Milk milk', 'milk milk milk'],
  ];
  const fields: Partial<Note>[] = [
    {},
    { pinned: true },
    { tags: ['home'] },
    { tags: ['home', 'work'], pinned: true },
    { archived: true },
  ];
  const filters: [string, Partial<ListNotesQuery>, (note: Note) => boolean][] = [
    ['no filter', {}, (n) => !n.archived],
    ['pinned', { pinned: true }, (n) => n.pinned && !n.archived],
    ['not pinned', { pinned: false }, (n) => !n.pinned && !n.archived],
    ['a tag', { tags: ['home'] }, (n) => n.tags.includes('home') && !n.archived],
    ['two tags', { tags: ['home', 'work'] }, (n) => n.tags.includes('work') && !n.archived],
    ['archived', { archived: true }, (n) => n.archived],
  ];

  for (const sort of ['relevance', 'newest']) {
    test(`walking every page of q=milk (sort=${sort}) under each filter returns each note once while others are written`, async () => {
      const ownerId = randomUUID();
      const existing = Array.from({ length: 60 }, (_, i) => {
        const [title, content] = texts[i % texts.length] as [string, string];
        return aNote(ownerId, base + Math.floor(i / 4), title, content, fields[Math.floor(i / 5) % fields.length]);
      });
      await insert(pool, ...existing, aNote(ownerId, base, 'Bread', 'no match'));
      const writerPool = createPool({ dsn: url, maxConnections: 2, applicationName: 'concurrent-writer' });
      let writes = 0;
      try {
        for (const [name, filter, matches] of filters) {
          const expected = existing.filter(matches);
          const seen = await walk({ ownerId, q: 'milk', sort, limit: 3, ...filter }, async () => {
            // Matching notes ranked anywhere (equal to existing ones, above, below), newer and tied in time.
            const [title, content] = texts[writes % texts.length] as [string, string];
            await Promise.all([
              insert(writerPool, aNote(ownerId, base + 1_000 + writes, title, content, fields[writes % fields.length])),
              insert(
                writerPool,
                aNote(ownerId, base + (writes % 15), title, content, fields[(writes + 1) % fields.length]),
              ),
              insert(writerPool, aNote(ownerId, base + 2_000 + writes, 'Bread', 'no match')),
            ]);
            writes += 1;
          });
          const ids = seen.map((note) => note.id);
          assert.equal(new Set(ids).size, ids.length, `${name}: no note came twice`);
          assert.ok(
            seen.every((note) => matches(note) && /milk/i.test(`${note.title} ${note.content}`)),
            `${name}: only matches`,
          );
          const seenIds = new Set(ids);
          assert.deepEqual(
            expected.filter((note) => !seenIds.has(note.id)).map((note) => note.id),
            [],
            `${name}: every match that existed before the walk came`,
          );
        }
      } finally {
        await writerPool.end();
      }
      assert.ok(writes >= 20, 'the writer inserted between the page reads');
    });
  }

  test('walking pages of 1 by relevance gives the order of one page of all, exactly', async () => {
    const ownerId = randomUUID();
    await insert(
      pool,
      ...Array.from({ length: 25 }, (_, i) => {
        const [title, content] = texts[i % texts.length] as [string, string];
        return aNote(ownerId, base + Math.floor(i / 3), title, content);
      }),
    );
    const all = (await listNotes()({ ownerId, q: 'mil', limit: 100, cursor: undefined })).notes.map((n) => n.id);
    const walked = (await walk({ ownerId, q: 'mil', limit: 1 })).map((n) => n.id);
    assert.equal(all.length, 25);
    assert.deepEqual(walked, all);
  });
});

test('a search is planned with its values each time (not prepared); a list without one stays prepared', () => {
  const names: (string | undefined)[] = [];
  const recording = {
    query: async ({ name }: Statement) => {
      names.push(name);
      return { rows: [] };
    },
  } as unknown as Queryable;
  const reads = createNoteReads(recording);
  const filter = { archived: false, pinned: undefined, tags: ['home'], search: parseSearchQuery('bu mil') };
  const position = { createdAt: new Date(base), id: randomUUID() };
  return Promise.all([
    reads.listRanked(randomUUID(), { ...position, rank: 0.5 }, 21, filter),
    reads.listLive(randomUUID(), position, 21, filter),
    reads.listLive(randomUUID(), position, 21, { ...filter, search: undefined }),
  ]).then(() => {
    // A generic plan fits the average owner: it would read an owner with 100,000 notes through their
    // btree, matching every note, where a plan for that owner reads the words' GIN index.
    assert.deepEqual(names.slice(0, 2), [undefined, undefined]);
    assert.match(names[2] ?? '', /^s[0-9a-f]{32}$/);
  });
});
