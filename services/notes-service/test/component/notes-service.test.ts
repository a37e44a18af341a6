import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { type FieldPathElement, ViolationsSchema } from '@bufbuild/protovalidate/gen/buf/validate/validate_pb.js';
import { type Client, Code, type ConnectError, createClient } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { NoteOrder, NotesService } from '@notes/contracts/notes/v1';
import { createGrpcTransport } from '@notes/grpc';
import { createLogger } from '@notes/logger';
import { createTestDatabase, type TestDatabase } from '@notes/testkit';
import { composeNotesService, type NotesServiceInstance } from '../../src/compose.ts';
import { testNotesConfig } from '../support/config.ts';
import { rejection } from '../support/rejection.ts';

let database: TestDatabase;
const services: NotesServiceInstance[] = [];

/** The service in-process on a free port, with a clock that moves one second per reading. */
async function startService(overrides: Parameters<typeof composeNotesService>[1] = {}) {
  const config = testNotesConfig(database.url);
  let millis = Date.parse('2026-11-23T10:00:00.000Z');
  const clock = {
    now: () => {
      millis += 1_000;
      return new Date(millis);
    },
  };
  const service = composeNotesService(config, { clock, ...overrides });
  services.push(service);
  const { port } = await service.start();
  return createGrpcTransport(`http://127.0.0.1:${port}`, { tls: undefined });
}

let notes: Client<typeof NotesService>;
let health: Client<typeof Health>;

before(async () => {
  database = await createTestDatabase('notes_component');
  const transport = await startService();
  notes = createClient(NotesService, transport);
  health = createClient(Health, transport);
});

after(async () => {
  for (const service of services) await service.stop();
  await database?.drop();
});

/** The fields that the buf.validate.Violations detail of an error names (once each: one field may break several rules). */
function violatedFields(error: ConnectError): string[] {
  const fields = error
    .findDetails(ViolationsSchema)
    .flatMap((detail) => detail.violations)
    .map((violation) => violation.field?.elements.map(elementName).join('.') ?? '');
  return [...new Set(fields)];
}

/** `tags[3]` for an item of a repeated field (protovalidate's subscript), else the field's name. */
function elementName(element: FieldPathElement): string {
  return element.subscript.case === 'index' ? `${element.fieldName}[${element.subscript.value}]` : element.fieldName;
}

async function createNote(ownerId: string, title = 'a note', content = '') {
  const { note } = await notes.createNote({ ownerId, title, content });
  assert.ok(note);
  return note;
}

async function listAllIds(ownerId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor = '';
  do {
    const page = await notes.listNotes({ ownerId, limit: 100, cursor });
    ids.push(...page.notes.map((note) => note.id));
    cursor = page.nextCursor;
  } while (cursor !== '');
  return ids;
}

describe('notes-service over gRPC', () => {
  test('creates, reads, updates, lists and soft-deletes a note', async () => {
    const ownerId = randomUUID();

    const created = await createNote(ownerId, 'Groceries', 'milk');
    assert.match(created.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUIDv7');
    assert.equal(created.ownerId, ownerId);
    assert.equal(created.title, 'Groceries');
    assert.equal(created.content, 'milk');
    assert.equal(created.version, 1n);
    assert.ok(created.createdAt && created.updatedAt);
    assert.deepEqual(created.updatedAt, created.createdAt);

    const ref = { ownerId, noteId: created.id };
    assert.deepEqual((await notes.getNote(ref)).note, created);

    const { note: updated } = await notes.updateNote({ ...ref, title: 'Groceries!', content: 'milk, eggs' });
    assert.ok(updated?.createdAt && updated.updatedAt);
    assert.equal(updated.title, 'Groceries!');
    assert.equal(updated.content, 'milk, eggs');
    assert.equal(updated.version, 2n);
    assert.deepEqual(updated.createdAt, created.createdAt);
    assert.ok(timestampDate(updated.updatedAt) > timestampDate(updated.createdAt), 'updated_at moved');
    assert.deepEqual((await notes.getNote(ref)).note, updated);
    assert.deepEqual(await listAllIds(ownerId), [created.id]);

    await notes.deleteNote(ref);
    assert.equal((await rejection(notes.getNote(ref))).code, Code.NotFound);
    assert.equal((await rejection(notes.deleteNote(ref))).code, Code.NotFound, 'deleting twice');
    assert.equal((await rejection(notes.updateNote({ ...ref, title: 't' }))).code, Code.NotFound);
    assert.deepEqual(await listAllIds(ownerId), []);
  });

  test("another owner's note does not exist for an owner", async () => {
    const owner = randomUUID();
    const stranger = randomUUID();
    const note = await createNote(owner, 'mine');
    await createNote(stranger, 'theirs');
    const strangersRef = { ownerId: stranger, noteId: note.id };

    assert.equal((await rejection(notes.getNote(strangersRef))).code, Code.NotFound);
    assert.equal((await rejection(notes.updateNote({ ...strangersRef, title: 'taken' }))).code, Code.NotFound);
    const versioned = notes.updateNote({ ...strangersRef, title: 'taken', expectedVersion: 1n });
    assert.equal((await rejection(versioned)).code, Code.NotFound);
    assert.equal((await rejection(notes.deleteNote(strangersRef))).code, Code.NotFound);
    assert.ok(!(await listAllIds(stranger)).includes(note.id));
    assert.deepEqual((await notes.getNote({ ownerId: owner, noteId: note.id })).note, note, 'left untouched');
  });

  test('pages newest first; the last page has no next cursor', async () => {
    const ownerId = randomUUID();
    const created = [];
    for (let i = 0; i < 21; i += 1) created.push((await createNote(ownerId, `note ${i}`)).id);
    const newestFirst = created.toReversed();

    const firstPage = await notes.listNotes({ ownerId });
    assert.deepEqual(
      firstPage.notes.map((note) => note.id),
      newestFirst.slice(0, 20),
      'the default limit is 20',
    );
    const lastPage = await notes.listNotes({ ownerId, cursor: firstPage.nextCursor });
    assert.deepEqual(
      lastPage.notes.map((note) => note.id),
      newestFirst.slice(20),
    );
    assert.equal(lastPage.nextCursor, '');

    const pages: string[][] = [];
    let cursor = '';
    do {
      const page = await notes.listNotes({ ownerId, limit: 8, cursor });
      pages.push(page.notes.map((note) => note.id));
      cursor = page.nextCursor;
    } while (cursor !== '');
    assert.deepEqual(pages, [newestFirst.slice(0, 8), newestFirst.slice(8, 16), newestFirst.slice(16)]);
  });

  test('updates at the expected version only', async () => {
    const ownerId = randomUUID();
    const note = await createNote(ownerId, 'v1');
    const ref = { ownerId, noteId: note.id };

    const { note: second } = await notes.updateNote({ ...ref, title: 'v2', expectedVersion: 1n });
    assert.equal(second?.version, 2n);

    const stale = await rejection(notes.updateNote({ ...ref, title: 'lost update', expectedVersion: 1n }));
    assert.equal(stale.code, Code.FailedPrecondition);
    assert.equal((await notes.getNote(ref)).note?.title, 'v2', 'the stale update changed nothing');

    const missing = notes.updateNote({ ownerId, noteId: randomUUID(), title: 't', expectedVersion: 1n });
    assert.equal((await rejection(missing)).code, Code.NotFound, 'a missing note is NOT_FOUND, not a version mismatch');
  });

  test('stores tags normalized, pinned and archived; an update replaces them', async () => {
    const ownerId = randomUUID();
    const { note: created } = await notes.createNote({
      ownerId,
      title: 'tagged',
      tags: ['#Work', ' home ', 'WORK', 'дом'],
      pinned: true,
    });
    assert.ok(created);
    assert.deepEqual([created.tags, created.pinned, created.archived], [['home', 'work', 'дом'], true, false]);
    const ref = { ownerId, noteId: created.id };
    assert.deepEqual((await notes.getNote(ref)).note, created);

    const { note: updated } = await notes.updateNote({ ...ref, title: 'tagged', tags: ['x'], archived: true });
    assert.deepEqual([updated?.tags, updated?.pinned, updated?.archived, updated?.version], [['x'], false, true, 2n]);
    assert.deepEqual(
      (await notes.listNotes({ ownerId, archived: true })).notes,
      [updated],
      'archived notes are still listed',
    );
    assert.deepEqual((await notes.listNotes({ ownerId })).notes, [], 'only with archived set');
  });

  test('filters the list by pinned and every tag given; a cursor serves only the filters it was made under', async () => {
    const ownerId = randomUUID();
    for (const [title, pinned, tags] of [
      ['a', true, ['work']],
      ['b', false, ['work', 'home']],
      ['c', true, ['home']],
    ] as const) {
      await notes.createNote({ ownerId, title, pinned, tags: [...tags] });
    }
    const titles = async (filter: { pinned?: boolean; tag?: string[] }) =>
      (await notes.listNotes({ ownerId, ...filter })).notes.map((note) => note.title);
    assert.deepEqual((await titles({ pinned: true })).sort(), ['a', 'c']);
    assert.deepEqual(await titles({ pinned: false }), ['b']);
    assert.deepEqual((await titles({ tag: ['#WORK'] })).sort(), ['a', 'b']);
    assert.deepEqual(await titles({ tag: ['work', 'home'] }), ['b']);
    assert.deepEqual(await titles({ pinned: true, tag: ['home'] }), ['c']);

    const first = await notes.listNotes({ ownerId, limit: 1, tag: ['work'] });
    assert.notEqual(first.nextCursor, '');
    const next = await notes.listNotes({ ownerId, limit: 1, tag: ['work'], cursor: first.nextCursor });
    assert.equal(next.notes.length, 1);
    const other = await rejection(notes.listNotes({ ownerId, limit: 1, tag: ['home'], cursor: first.nextCursor }));
    assert.deepEqual([other.code, violatedFields(other)], [Code.InvalidArgument, ['cursor']]);
  });

  test('searches with q, most relevant first (or newest with sort), a page at a time', async () => {
    const ownerId = randomUUID();
    for (const [title, content] of [
      ['Купить молоко', 'и хлеб'],
      ['Shopping', 'buy milk'],
      ['Buy milk', 'oat'],
      ['Trip', 'nothing to buy'],
    ]) {
      await notes.createNote({ ownerId, title, content });
    }
    const titles = async (request: { q: string; sort?: NoteOrder }) =>
      (await notes.listNotes({ ownerId, ...request })).notes.map((note) => note.title);
    assert.deepEqual(await titles({ q: 'bu MIL' }), ['Buy milk', 'Shopping']);
    assert.deepEqual(await titles({ q: 'bu mil', sort: NoteOrder.NEWEST }), ['Buy milk', 'Shopping']);
    assert.deepEqual(await titles({ q: 'buy -oat' }), ['Trip', 'Shopping']);
    assert.deepEqual(await titles({ q: 'МОЛОК' }), ['Купить молоко']);

    const first = await notes.listNotes({ ownerId, q: 'buy', limit: 2 });
    const rest = await notes.listNotes({ ownerId, q: 'buy', limit: 2, cursor: first.nextCursor });
    assert.deepEqual(
      [...first.notes, ...rest.notes].map((note) => note.title),
      ['Buy milk', 'Trip', 'Shopping'],
    );
    assert.equal(rest.nextCursor, '');
    const other = await rejection(
      notes.listNotes({ ownerId, q: 'buy', sort: NoteOrder.NEWEST, cursor: first.nextCursor }),
    );
    assert.deepEqual([other.code, violatedFields(other)], [Code.InvalidArgument, ['cursor']]);
  });

  test('patches only the fields set; an empty tag list clears the tags; a bad patch changes nothing', async () => {
    const ownerId = randomUUID();
    const { note: created } = await notes.createNote({ ownerId, title: 'keep', content: 'body', tags: ['a', 'b'] });
    assert.ok(created);
    const ref = { ownerId, noteId: created.id };

    const { note: pinned } = await notes.patchNote({ ...ref, pinned: true, expectedVersion: 1n });
    assert.deepEqual(
      [pinned?.title, pinned?.content, pinned?.tags, pinned?.pinned, pinned?.version],
      ['keep', 'body', ['a', 'b'], true, 2n],
    );
    const { note: cleared } = await notes.patchNote({ ...ref, tags: { tags: [] }, content: '' });
    assert.deepEqual([cleared?.tags, cleared?.content, cleared?.pinned, cleared?.version], [[], '', true, 3n]);

    const stale = await rejection(notes.patchNote({ ...ref, archived: true, expectedVersion: 1n }));
    assert.equal(stale.code, Code.FailedPrecondition);
    const badTag = await rejection(notes.patchNote({ ...ref, tags: { tags: ['fine', 'not fine'] } }));
    assert.deepEqual([badTag.code, violatedFields(badTag)], [Code.InvalidArgument, ['tags[1]']]);
    const blank = await rejection(notes.patchNote({ ...ref, title: ' ' }));
    assert.deepEqual(violatedFields(blank), ['title']);
    assert.deepEqual((await notes.getNote(ref)).note, cleared, 'the rejected patches changed nothing');
    assert.equal((await rejection(notes.patchNote({ ownerId: randomUUID(), noteId: created.id }))).code, Code.NotFound);
  });

  test("lists the owner's tags with their counts", async () => {
    const ownerId = randomUUID();
    await notes.createNote({ ownerId, title: 'one', tags: ['Work', 'b'] });
    await notes.createNote({ ownerId, title: 'two', tags: ['work'], archived: true });
    const { tags } = await notes.listTags({ ownerId });
    assert.deepEqual(
      tags.map(({ tag, count }) => [tag, count]),
      [
        ['work', 2n],
        ['b', 1n],
      ],
    );
    assert.equal((await rejection(notes.listTags({ ownerId: 'me' }))).code, Code.InvalidArgument);
  });

  test('counts title characters as code points: 200 emoji fit', async () => {
    const note = await createNote(randomUUID(), '😀'.repeat(200));
    assert.equal(note.title, '😀'.repeat(200));
    const error = await rejection(notes.createNote({ ownerId: randomUUID(), title: '😀'.repeat(201) }));
    assert.deepEqual(violatedFields(error), ['title']);
  });

  const ownerId = randomUUID();
  const noteId = randomUUID();
  const invalidRequests: [string, string, () => Promise<unknown>][] = [
    ['an owner id that is no UUID', 'owner_id', () => notes.createNote({ ownerId: 'me', title: 't' })],
    ['an empty title', 'title', () => notes.createNote({ ownerId, title: '' })],
    ['a blank title', 'title', () => notes.createNote({ ownerId, title: ' \t ' })],
    ['a title of Unicode spaces', 'title', () => notes.createNote({ ownerId, title: '\u3000\u00a0' })],
    ['a title of 201 characters', 'title', () => notes.createNote({ ownerId, title: 'a'.repeat(201) })],
    [
      'a content of 100,001 characters',
      'content',
      () => notes.createNote({ ownerId, title: 't', content: 'a'.repeat(100_001) }),
    ],
    ['a note id that is no UUID', 'note_id', () => notes.getNote({ ownerId, noteId: '42' })],
    ['a limit above 100', 'limit', () => notes.listNotes({ ownerId, limit: 101 })],
    ['a negative limit', 'limit', () => notes.listNotes({ ownerId, limit: -1 })],
    ['a cursor that does not decode', 'cursor', () => notes.listNotes({ ownerId, cursor: 'not-a-cursor' })],
    ['an overlong cursor', 'cursor', () => notes.listNotes({ ownerId, cursor: 'a'.repeat(513) })],
    ['a blank title on update', 'title', () => notes.updateNote({ ownerId, noteId, title: '   ' })],
    [
      'a negative expected version',
      'expected_version',
      () => notes.updateNote({ ownerId, noteId, title: 't', expectedVersion: -1n }),
    ],
    ['a delete without owner', 'owner_id', () => notes.deleteNote({ noteId })],
    [
      '21 tags',
      'tags',
      () => notes.createNote({ ownerId, title: 't', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }),
    ],
    ['a tag filter with a space', 'tag[1]', () => notes.listNotes({ ownerId, tag: ['ok', 'not ok'] })],
    ['a q of 201 characters', 'q', () => notes.listNotes({ ownerId, q: 'я'.repeat(201) })],
    ['a q with no word to look for', 'q', () => notes.listNotes({ ownerId, q: '-milk & !' })],
    ['sort=relevance without q', 'sort', () => notes.listNotes({ ownerId, sort: NoteOrder.RELEVANCE })],
    ['a sort that is not defined', 'sort', () => notes.listNotes({ ownerId, q: 'milk', sort: 7 as NoteOrder })],
    [
      '21 tags to filter by',
      'tag',
      () => notes.listNotes({ ownerId, tag: Array.from({ length: 21 }, (_, i) => `t${i}`) }),
    ],
    ['a tag with a space', 'tags[1]', () => notes.createNote({ ownerId, title: 't', tags: ['ok', 'not ok'] })],
    [
      'a tag of 41 letters on update',
      'tags[0]',
      () => notes.updateNote({ ownerId, noteId, title: 't', tags: ['a'.repeat(41)] }),
    ],
  ];
  for (const [name, field, call] of invalidRequests) {
    test(`answers INVALID_ARGUMENT naming ${field} for ${name}`, async () => {
      const error = await rejection(call());
      assert.equal(error.code, Code.InvalidArgument);
      assert.deepEqual(violatedFields(error), [field]);
    });
  }

  test('reports SERVING on grpc.health.v1', async () => {
    const { status } = await health.check({});
    assert.equal(status, HealthCheckResponse_ServingStatus.SERVING);
  });

  test('answers an unexpected failure INTERNAL without detail, and logs it', async () => {
    const logged: string[] = [];
    const logger = createLogger({
      service: 'notes-service',
      level: 'error',
      destination: { write: (line) => logged.push(line) },
    });
    // An id the database refuses: a failure no domain rule knows.
    const transport = await startService({ newId: () => 'not-a-uuid', logger });

    const error = await rejection(createClient(NotesService, transport).createNote({ ownerId, title: 't' }));

    assert.equal(error.code, Code.Internal);
    assert.equal(error.rawMessage, 'internal error');
    assert.equal(logged.length, 1);
    assert.match(logged[0] ?? '', /invalid input syntax for type uuid/);
  });
});
