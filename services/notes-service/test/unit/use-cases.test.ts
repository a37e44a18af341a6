// Every use case on in-memory fakes of its ports: what it returns, what it stored, which events and
// saga replies it recorded, which error it threw. The adapters are tested on PostgreSQL elsewhere.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sagaCommandTypes } from '@notes/contracts/names';
import { ManualClock, sequentialUuids } from '@notes/testkit/fakes';
import { createCreateNote } from '../../src/app/create-note.ts';
import { createCreateWelcomeNote } from '../../src/app/create-welcome-note.ts';
import { createDeleteNote } from '../../src/app/delete-note.ts';
import { createDeleteUserNotes } from '../../src/app/delete-user-notes.ts';
import { createGetNote } from '../../src/app/get-note.ts';
import { createListNotes } from '../../src/app/list-notes.ts';
import { createListTags } from '../../src/app/list-tags.ts';
import { createPatchNote } from '../../src/app/patch-note.ts';
import { createUpdateNote } from '../../src/app/update-note.ts';
import {
  InvalidCursor,
  InvalidNote,
  InvalidNoteFilter,
  InvalidPageLimit,
  NoteNotFound,
  VersionMismatch,
} from '../../src/domain/errors.ts';
import { welcomeNoteFields } from '../../src/domain/welcome-note.ts';
import { InMemoryUnitOfWork } from '../support/fakes.ts';

const alice = '0190f5f4-7b1c-7a3e-8f00-000000000a11';
const bob = '0190f5f4-7b1c-7a3e-8f00-000000000b0b';

function notesService() {
  const unitOfWork = new InMemoryUnitOfWork();
  const clock = new ManualClock(new Date('2026-11-23T10:00:00.000Z'));
  const newId = sequentialUuids();
  const { notes } = unitOfWork;
  return {
    unitOfWork,
    clock,
    createNote: createCreateNote({ unitOfWork, clock, newId }),
    getNote: createGetNote({ notes }),
    listNotes: createListNotes({ notes }),
    listTags: createListTags({ notes }),
    updateNote: createUpdateNote({ unitOfWork, clock }),
    patchNote: createPatchNote({ unitOfWork, clock }),
    deleteNote: createDeleteNote({ unitOfWork, clock }),
    createWelcomeNote: createCreateWelcomeNote({ clock, newId }),
    deleteUserNotes: createDeleteUserNotes({ clock }),
  };
}

const eventsOf = (unitOfWork: InMemoryUnitOfWork) =>
  unitOfWork.events.recorded.map((event) =>
    event.type === 'deleted'
      ? [event.type, event.ref.noteId, event.deletedAt.toISOString(), event.version]
      : [event.type, event.note.id, event.note.version],
  );

describe('CreateNote', () => {
  test('stores a new note at version 1, stamped now, and records NoteCreated with it', async () => {
    const service = notesService();
    const note = await service.createNote({ ownerId: alice, title: 'Groceries', content: 'milk' });

    assert.deepEqual(note, {
      id: '00000000-0000-7000-8000-000000000001',
      ownerId: alice,
      title: 'Groceries',
      content: 'milk',
      tags: [],
      pinned: false,
      archived: false,
      version: 1,
      createdAt: new Date('2026-11-23T10:00:00.000Z'),
      updatedAt: new Date('2026-11-23T10:00:00.000Z'),
    });
    assert.deepEqual(await service.getNote({ ownerId: alice, noteId: note.id }), note);
    assert.deepEqual(eventsOf(service.unitOfWork), [['created', note.id, 1]]);
  });

  test('stores tags normalized, pinned and archived, and NoteCreated carries them', async () => {
    const service = notesService();
    const note = await service.createNote({
      ownerId: alice,
      title: 'Tagged',
      content: '',
      tags: [' #Work ', 'home', 'work', 'ДОМ'],
      pinned: true,
      archived: true,
    });
    assert.deepEqual([note.tags, note.pinned, note.archived], [['home', 'work', 'дом'], true, true]);
    assert.deepEqual(await service.getNote({ ownerId: alice, noteId: note.id }), note);
    assert.deepEqual(service.unitOfWork.events.recorded, [{ type: 'created', note }]);
  });

  test('refuses a bad tag, naming it, before anything is written', async () => {
    const service = notesService();
    await assert.rejects(
      service.createNote({ ownerId: alice, title: 't', content: '', tags: ['ok', 'ok', 'not ok'] }),
      (error) => error instanceof InvalidNote && error.field === 'tags[2]',
    );
    assert.equal(service.unitOfWork.notes.rows.length, 0);
    assert.deepEqual(service.unitOfWork.events.recorded, []);
  });

  test('refuses a blank title before anything is written', async () => {
    const service = notesService();
    await assert.rejects(service.createNote({ ownerId: alice, title: '  ', content: '' }), InvalidNote);
    assert.equal(service.unitOfWork.notes.rows.length, 0);
    assert.deepEqual(service.unitOfWork.events.recorded, []);
    assert.equal(service.unitOfWork.commits, 0);
  });

  test('a failing write leaves neither the note nor its event', async () => {
    const service = notesService();
    service.unitOfWork.events.created = async () => {
      throw new Error('the outbox is gone');
    };
    await assert.rejects(service.createNote({ ownerId: alice, title: 'lost', content: '' }), /outbox is gone/);
    assert.equal(service.unitOfWork.notes.rows.length, 0);
  });
});

describe('GetNote', () => {
  test("finds the owner's live note, and nobody else's", async () => {
    const service = notesService();
    const note = await service.createNote({ ownerId: alice, title: 'mine', content: '' });
    assert.equal((await service.getNote({ ownerId: alice, noteId: note.id })).title, 'mine');
    await assert.rejects(service.getNote({ ownerId: bob, noteId: note.id }), NoteNotFound);
    await service.deleteNote({ ownerId: alice, noteId: note.id });
    await assert.rejects(service.getNote({ ownerId: alice, noteId: note.id }), NoteNotFound);
  });
});

describe('ListNotes', () => {
  test("pages through the owner's notes newest first, each once, with no cursor after the last page", async () => {
    const service = notesService();
    for (const title of ['one', 'two', 'three', 'four', 'five']) {
      await service.createNote({ ownerId: alice, title, content: '' });
      service.clock.advanceSeconds(1);
    }
    await service.createNote({ ownerId: bob, title: "bob's", content: '' });

    const first = await service.listNotes({ ownerId: alice, limit: 2, cursor: undefined });
    const second = await service.listNotes({ ownerId: alice, limit: 2, cursor: first.nextCursor });
    const last = await service.listNotes({ ownerId: alice, limit: 2, cursor: second.nextCursor });

    const titles = (page: { notes: { title: string }[] }) => page.notes.map((note) => note.title);
    assert.deepEqual([titles(first), titles(second), titles(last)], [['five', 'four'], ['three', 'two'], ['one']]);
    assert.notEqual(first.nextCursor, undefined);
    assert.equal(last.nextCursor, undefined);
  });

  test('a page exactly as long as what is left has no next cursor', async () => {
    const service = notesService();
    await service.createNote({ ownerId: alice, title: 'only', content: '' });
    assert.equal((await service.listNotes({ ownerId: alice, limit: 1, cursor: undefined })).nextCursor, undefined);
  });

  test('refuses a limit out of range and a cursor it did not issue', async () => {
    const service = notesService();
    await assert.rejects(service.listNotes({ ownerId: alice, limit: 101, cursor: undefined }), InvalidPageLimit);
    await assert.rejects(service.listNotes({ ownerId: alice, limit: 0, cursor: 'not-a-cursor' }), InvalidCursor);
  });

  test('with q: the ranked order (then newest), page by page, each match once; sort=newest keeps newest first', async () => {
    const service = notesService();
    for (const [title, content] of [
      ['Shopping', 'buy milk'],
      ['Buy milk', ''],
      ['Trip', 'nothing'],
      ['Groceries', 'milk, buy bread'],
    ] as const) {
      await service.createNote({ ownerId: alice, title, content });
      service.clock.advanceSeconds(1);
    }
    const walk = async (query: { q: string; sort?: string }) => {
      const titles: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await service.listNotes({ ownerId: alice, limit: 1, cursor, ...query });
        titles.push(...page.notes.map((note) => note.title));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return titles;
    };
    assert.deepEqual(await walk({ q: 'bu mil' }), ['Buy milk', 'Groceries', 'Shopping']);
    assert.deepEqual(await walk({ q: 'bu mil', sort: 'newest' }), ['Groceries', 'Buy milk', 'Shopping']);
    assert.deepEqual(await walk({ q: 'milk -bread' }), ['Buy milk', 'Shopping']);
  });

  test('with q, a cursor of another order or q is refused; sort=relevance without q names sort', async () => {
    const service = notesService();
    for (const title of ['milk one', 'milk two']) await service.createNote({ ownerId: alice, title, content: '' });
    const ranked = await service.listNotes({ ownerId: alice, limit: 1, cursor: undefined, q: 'milk' });
    const newest = await service.listNotes({ ownerId: alice, limit: 1, cursor: undefined, q: 'milk', sort: 'newest' });
    const list = (cursor: string | undefined, query: { q?: string; sort?: string }) =>
      service.listNotes({ ownerId: alice, limit: 1, cursor, ...query });
    await assert.rejects(list(ranked.nextCursor, { q: 'milk', sort: 'newest' }), InvalidCursor);
    await assert.rejects(list(newest.nextCursor, { q: 'milk' }), InvalidCursor);
    await assert.rejects(list(ranked.nextCursor, { q: 'mil' }), InvalidCursor);
    await assert.rejects(list(ranked.nextCursor, {}), InvalidCursor);
    await assert.rejects(
      list(undefined, { sort: 'relevance' }),
      (error) => error instanceof InvalidNoteFilter && error.field === 'sort',
    );
  });

  async function organisedNotes() {
    const service = notesService();
    const notes: [string, { tags?: string[]; pinned?: boolean; archived?: boolean }][] = [
      ['plain', {}],
      ['pinned work', { pinned: true, tags: ['work'] }],
      ['work home', { tags: ['work', 'home'] }],
      ['archived work', { archived: true, tags: ['work'] }],
      ['archived pinned', { archived: true, pinned: true }],
    ];
    for (const [title, fields] of notes) {
      await service.createNote({ ownerId: alice, title, content: '', ...fields });
      service.clock.advanceSeconds(1);
    }
    const titles = async (query: { archived?: boolean; pinned?: boolean; tags?: string[] }) =>
      (await service.listNotes({ ownerId: alice, limit: 0, cursor: undefined, ...query })).notes.map((n) => n.title);
    return { service, titles };
  }

  test('lists archived notes only when asked for them, and filters by pinned and by every tag given', async () => {
    const { titles } = await organisedNotes();
    assert.deepEqual(await titles({}), ['work home', 'pinned work', 'plain']);
    assert.deepEqual(await titles({ archived: true }), ['archived pinned', 'archived work']);
    assert.deepEqual(await titles({ pinned: true }), ['pinned work']);
    assert.deepEqual(await titles({ pinned: false }), ['work home', 'plain']);
    assert.deepEqual(await titles({ archived: true, pinned: true }), ['archived pinned']);
    assert.deepEqual(await titles({ tags: ['#Work'] }), ['work home', 'pinned work']);
    assert.deepEqual(await titles({ tags: ['work', 'home'] }), ['work home']);
    assert.deepEqual(await titles({ tags: ['work'], archived: true }), ['archived work']);
    assert.deepEqual(await titles({ tags: ['nothing'] }), []);
  });

  test('refuses a tag that breaks the tag rules, naming it tag[i], and more than 20 tags, naming tag', async () => {
    const { service } = await organisedNotes();
    await assert.rejects(
      service.listNotes({ ownerId: alice, limit: 0, cursor: undefined, tags: ['work', 'no spaces'] }),
      (error) => error instanceof InvalidNoteFilter && error.field === 'tag[1]' && error.code === 'INVALID_NOTE_FILTER',
    );
    const many = Array.from({ length: 21 }, (_, i) => `t${i}`);
    await assert.rejects(
      service.listNotes({ ownerId: alice, limit: 0, cursor: undefined, tags: many }),
      (error) => error instanceof InvalidNoteFilter && error.field === 'tag',
    );
  });

  test('pages under a filter each match once; a cursor serves only the filter it was made under', async () => {
    const { service } = await organisedNotes();
    const pinnedOrNot = { pinned: false };
    const first = await service.listNotes({ ownerId: alice, limit: 1, cursor: undefined, ...pinnedOrNot });
    const second = await service.listNotes({ ownerId: alice, limit: 1, cursor: first.nextCursor, ...pinnedOrNot });
    assert.deepEqual(
      [...first.notes, ...second.notes].map((note) => note.title),
      ['work home', 'plain'],
    );
    assert.equal(second.nextCursor, undefined);

    // The same tags spelled otherwise are the same filter.
    const tagged = await service.listNotes({ ownerId: alice, limit: 1, cursor: undefined, tags: ['work'] });
    const next = await service.listNotes({ ownerId: alice, limit: 1, cursor: tagged.nextCursor, tags: ['#WORK '] });
    assert.deepEqual(
      next.notes.map((note) => note.title),
      ['pinned work'],
    );

    for (const other of [{}, { pinned: true }, { archived: true, pinned: false }, { pinned: false, tags: ['work'] }]) {
      await assert.rejects(
        service.listNotes({ ownerId: alice, limit: 1, cursor: first.nextCursor, ...other }),
        InvalidCursor,
        JSON.stringify(other),
      );
    }
    const unfiltered = await service.listNotes({ ownerId: alice, limit: 1, cursor: undefined });
    await assert.rejects(
      service.listNotes({ ownerId: alice, limit: 1, cursor: unfiltered.nextCursor, archived: true }),
      InvalidCursor,
    );
  });
});

describe('UpdateNote', () => {
  test('replaces title and content, bumps the version, stamps now and records NoteUpdated', async () => {
    const service = notesService();
    const note = await service.createNote({ ownerId: alice, title: 'draft', content: '' });
    service.clock.advanceSeconds(60);

    const updated = await service.updateNote({
      ownerId: alice,
      noteId: note.id,
      title: 'final',
      content: 'done',
      expectedVersion: 1,
    });

    assert.deepEqual(
      [updated.title, updated.content, updated.version, updated.updatedAt.toISOString(), updated.createdAt],
      ['final', 'done', 2, '2026-11-23T10:01:00.000Z', note.createdAt],
    );
    assert.deepEqual(eventsOf(service.unitOfWork), [
      ['created', note.id, 1],
      ['updated', note.id, 2],
    ]);
  });

  test('replaces tags, pinned and archived too: one left out takes its default', async () => {
    const service = notesService();
    const note = await service.createNote({ ownerId: alice, title: 't', content: '', tags: ['a'], pinned: true });
    const tagged = await service.updateNote({
      ...{ ownerId: alice, noteId: note.id, title: 't', content: '', expectedVersion: undefined },
      tags: ['#B', 'a'],
      archived: true,
    });
    assert.deepEqual([tagged.tags, tagged.pinned, tagged.archived], [['a', 'b'], false, true]);
    const bare = await service.updateNote({
      ownerId: alice,
      noteId: note.id,
      title: 't',
      content: '',
      expectedVersion: 2,
    });
    assert.deepEqual([bare.tags, bare.pinned, bare.archived, bare.version], [[], false, false, 3]);
    assert.deepEqual(service.unitOfWork.events.recorded.at(-1), { type: 'updated', note: bare });
  });

  test('a bad tag is refused, naming it, and changes nothing', async () => {
    const service = notesService();
    const note = await service.createNote({ ownerId: alice, title: 't', content: '', tags: ['kept'] });
    const update = { ownerId: alice, noteId: note.id, title: 'new', content: '', expectedVersion: undefined };
    await assert.rejects(
      service.updateNote({ ...update, tags: ['x'.repeat(41)] }),
      (error) => error instanceof InvalidNote && error.field === 'tags[0]',
    );
    assert.deepEqual(await service.getNote({ ownerId: alice, noteId: note.id }), note);
    assert.equal(service.unitOfWork.events.recorded.length, 1);
  });

  test('a stale expected version is a VersionMismatch naming the current one, and changes nothing', async () => {
    const service = notesService();
    const note = await service.createNote({ ownerId: alice, title: 'v1', content: '' });
    await service.updateNote({ ownerId: alice, noteId: note.id, title: 'v2', content: '', expectedVersion: undefined });

    const stale = service.updateNote({ ownerId: alice, noteId: note.id, title: 'v3', content: '', expectedVersion: 1 });
    await assert.rejects(stale, (error) => error instanceof VersionMismatch && error.currentVersion === 2);
    assert.equal((await service.getNote({ ownerId: alice, noteId: note.id })).title, 'v2');
    assert.equal(service.unitOfWork.events.recorded.length, 2);
  });

  test("a missing note or another owner's is NoteNotFound, with or without a version; an invalid title is refused", async () => {
    const service = notesService();
    const note = await service.createNote({ ownerId: alice, title: 'mine', content: '' });
    for (const expectedVersion of [undefined, 1]) {
      const byBob = { ownerId: bob, noteId: note.id, title: 'theirs', content: '', expectedVersion };
      await assert.rejects(service.updateNote(byBob), NoteNotFound);
    }
    const tooLong = { ownerId: alice, noteId: note.id, title: 'x'.repeat(201), content: '', expectedVersion: 1 };
    await assert.rejects(service.updateNote(tooLong), InvalidNote);
    assert.deepEqual(eventsOf(service.unitOfWork), [['created', note.id, 1]]);
  });
});

describe('PatchNote', () => {
  test('changes only the fields given, bumps the version and records NoteUpdated with the whole note', async () => {
    const service = notesService();
    const note = await service.createNote({
      ownerId: alice,
      title: 'keep',
      content: 'body',
      tags: ['a'],
      pinned: true,
    });
    service.clock.advanceSeconds(5);
    const ref = { ownerId: alice, noteId: note.id };

    const patched = await service.patchNote({ ...ref, patch: { tags: ['#B'], archived: true }, expectedVersion: 1 });

    assert.deepEqual(patched, {
      ...note,
      tags: ['b'],
      archived: true,
      version: 2,
      updatedAt: new Date('2026-11-23T10:00:05.000Z'),
    });
    assert.deepEqual(service.unitOfWork.events.recorded.at(-1), { type: 'updated', note: patched });
    const retitled = await service.patchNote({ ...ref, patch: { title: 'new' }, expectedVersion: undefined });
    assert.deepEqual([retitled.title, retitled.content, retitled.tags, retitled.pinned], ['new', 'body', ['b'], true]);
  });

  test('a patch that breaks a rule, a stale version or a missing note changes nothing and records nothing', async () => {
    const service = notesService();
    const note = await service.createNote({ ownerId: alice, title: 'keep', content: '' });
    const ref = { ownerId: alice, noteId: note.id };
    await assert.rejects(
      service.patchNote({ ...ref, patch: { tags: ['ok', 'not ok'] }, expectedVersion: undefined }),
      (error) => error instanceof InvalidNote && error.field === 'tags[1]',
    );
    await assert.rejects(
      service.patchNote({ ...ref, patch: { title: ' ' }, expectedVersion: undefined }),
      (error) => error instanceof InvalidNote && error.field === 'title',
    );
    await assert.rejects(
      service.patchNote({ ...ref, patch: { pinned: true }, expectedVersion: 7 }),
      (error) => error instanceof VersionMismatch && error.currentVersion === 1,
    );
    await assert.rejects(
      service.patchNote({ ownerId: bob, noteId: note.id, patch: { pinned: true }, expectedVersion: undefined }),
      NoteNotFound,
    );
    assert.deepEqual(await service.getNote(ref), note);
    assert.equal(service.unitOfWork.events.recorded.length, 1);
  });
});

describe('ListTags', () => {
  test("counts the owner's tags over live notes, archived ones included, most used first, then by name", async () => {
    const service = notesService();
    await service.createNote({ ownerId: alice, title: '1', content: '', tags: ['b', 'work'] });
    await service.createNote({ ownerId: alice, title: '2', content: '', tags: ['a', 'work'], archived: true });
    const gone = await service.createNote({ ownerId: alice, title: '3', content: '', tags: ['gone', 'work'] });
    await service.deleteNote({ ownerId: alice, noteId: gone.id });
    await service.createNote({ ownerId: bob, title: 'x', content: '', tags: ['bobs'] });
    assert.deepEqual(await service.listTags(alice), [
      { tag: 'work', count: 2 },
      { tag: 'a', count: 1 },
      { tag: 'b', count: 1 },
    ]);
  });
});

describe('DeleteNote', () => {
  test('soft-deletes the note and records NoteDeleted at the time of deletion; a second delete is NoteNotFound', async () => {
    const service = notesService();
    const note = await service.createNote({ ownerId: alice, title: 'bye', content: '' });
    service.clock.advanceSeconds(5);
    const ref = { ownerId: alice, noteId: note.id };

    await service.deleteNote(ref);

    assert.equal(service.unitOfWork.notes.rows[0]?.deletedAt?.toISOString(), '2026-11-23T10:00:05.000Z');
    assert.deepEqual(eventsOf(service.unitOfWork).at(-1), ['deleted', note.id, '2026-11-23T10:00:05.000Z', 1]);
    await assert.rejects(service.deleteNote(ref), NoteNotFound);
    await assert.rejects(service.deleteNote({ ownerId: bob, noteId: note.id }), NoteNotFound);
    assert.equal(service.unitOfWork.events.recorded.length, 2);
  });
});

const command = (commandType: string, userId: string) => ({
  sagaId: '0190f5f4-7b1c-7a3e-8f00-000000005a6a',
  commandId: '0190f5f4-7b1c-7a3e-8f00-0000000c0de1',
  commandType,
  userId,
});

describe('CreateWelcomeNote', () => {
  test('creates the welcome note with NoteCreated and answers succeeded; sent again it only answers', async () => {
    const service = notesService();
    const { scope, events, replies } = service.unitOfWork;
    const welcome = command(sagaCommandTypes.CreateWelcomeNote, alice);

    await service.createWelcomeNote(welcome, scope);
    await service.createWelcomeNote(welcome, scope);

    const page = await service.listNotes({ ownerId: alice, limit: 0, cursor: undefined });
    assert.deepEqual(
      page.notes.map((note) => [note.title, note.content, note.version]),
      [[welcomeNoteFields.title, welcomeNoteFields.content, 1]],
    );
    assert.deepEqual(page.notes[0]?.tags, ['welcome'], 'clients tell it apart by its tag');
    assert.deepEqual(
      events.recorded.map((event) => event.type),
      ['created'],
    );
    assert.deepEqual(replies.recorded, [
      { command: welcome, succeeded: true, reason: '' },
      { command: welcome, succeeded: true, reason: '' },
    ]);
  });
});

describe('DeleteUserNotes', () => {
  test("removes every note of the user, NoteDeleted for the live ones only, answers succeeded; others' notes stay", async () => {
    const service = notesService();
    const kept = await service.createNote({ ownerId: alice, title: 'live', content: '' });
    const gone = await service.createNote({ ownerId: alice, title: 'deleted before', content: '' });
    await service.deleteNote({ ownerId: alice, noteId: gone.id });
    const bobs = await service.createNote({ ownerId: bob, title: "bob's", content: '' });
    service.clock.advanceSeconds(30);
    const { scope, replies, notes } = service.unitOfWork;
    const deleteNotes = command(sagaCommandTypes.DeleteUserNotes, alice);

    await service.deleteUserNotes(deleteNotes, scope);

    assert.deepEqual(
      notes.rows.map((row) => row.id),
      [bobs.id],
    );
    assert.deepEqual(eventsOf(service.unitOfWork).slice(4), [['deleted', kept.id, '2026-11-23T10:00:30.000Z', 1]]);
    assert.deepEqual(replies.recorded, [{ command: deleteNotes, succeeded: true, reason: '' }]);
  });
});
