// Tags, pinned, archived and version through the public API, down to notes-service's database
// and out on notes.events: what a client writes comes back normalized, and every event carries the
// note's whole state (docs/contract/events.md, "Event-carried state").

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { NoteCreatedSchema, NoteDeletedSchema, NoteUpdatedSchema } from '@notes/contracts/common/v1';
import { topics } from '@notes/contracts/names';
import { collectEvents, type ReceivedEvent, testKafkaBrokers } from '@notes/testkit';
import { apiClient, assertProblem } from './api.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

describe('note tags, pinned and archived', () => {
  let platform: RunningPlatform;
  before(async () => {
    platform = await startTestPlatform();
  });
  after(async () => {
    await platform?.close();
  });

  test('are created, read, listed and replaced as the contract says, and a bad tag is a 400 naming it', async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    const created = await api.call('POST', '/v1/notes', {
      token,
      body: { title: 'Plan', tags: [' #Work', 'Заметки', 'work', 'to-do_1'], pinned: true },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(
      [created.json.tags, created.json.pinned, created.json.archived, created.json.version],
      [['to-do_1', 'work', 'заметки'], true, false, 1],
    );
    assert.equal(created.headers.get('etag'), '"1"');
    const path = `/v1/notes/${created.json.id}`;
    assert.deepEqual((await api.call('GET', path, { token })).json, created.json);

    const replaced = await api.call('PUT', path, {
      token,
      headers: { 'if-match': '"1"' },
      body: { title: 'Plan', content: '', tags: ['done'], archived: true },
    });
    assert.equal(replaced.status, 200, replaced.text);
    assert.deepEqual(
      [replaced.json.tags, replaced.json.pinned, replaced.json.archived, replaced.json.version],
      [['done'], false, true, 2],
      'PUT replaces: pinned left out is false again',
    );
    // Archived now: listed with archived=true only (tests/e2e/note-filters.test.ts covers the filters).
    const listed = await api.call('GET', '/v1/notes?archived=true', { token });
    assert.ok(listed.json.items.some((note: { id: string }) => note.id === created.json.id));

    const badTag = await api.call('PUT', path, {
      token,
      body: { title: 'Plan', content: '', tags: ['ok', 'no spaces'] },
    });
    assertProblem(badTag, 400);
    assert.deepEqual(
      badTag.json.errors.map((error: { field: string }) => error.field),
      ['tags[1]'],
    );
    const tooMany = Array.from({ length: 21 }, (_, i) => `t${i}`);
    assertProblem(await api.call('POST', '/v1/notes', { token, body: { title: 't', tags: tooMany } }), 400);
    assert.deepEqual((await api.call('GET', path, { token })).json, replaced.json, 'a rejected write changes nothing');
  });

  test('PATCH changes only the fields given, honours If-Match, and a rejected patch changes nothing and emits nothing', async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    const created = await api.call('POST', '/v1/notes', {
      token,
      body: { title: 'keep', content: 'body', tags: ['a'] },
    });
    const noteId = created.json.id as string;
    const path = `/v1/notes/${noteId}`;
    const mergePatch = (body: unknown, headers: Record<string, string> = {}) =>
      api.call('PATCH', path, { token, body, headers: { 'content-type': 'application/merge-patch+json', ...headers } });

    const patched = await mergePatch({ pinned: true, tags: ['B', 'a'] }, { 'if-match': '"1"' });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.headers.get('etag'), '"2"');
    assert.deepEqual(
      [patched.json.title, patched.json.content, patched.json.tags, patched.json.pinned, patched.json.version],
      ['keep', 'body', ['a', 'b'], true, 2],
    );
    assertProblem(await mergePatch({ archived: true }, { 'if-match': '"1"' }), 412);
    const badTag = await mergePatch({ title: 'changed', tags: ['ok', 'not ok'] });
    assertProblem(badTag, 400);
    assert.deepEqual(
      badTag.json.errors.map((error: { field: string }) => error.field),
      ['tags[1]'],
    );
    assertProblem(await api.call('PATCH', path, { token, body: { pinned: false } }), 415);
    assert.deepEqual(
      (await api.call('GET', path, { token })).json,
      patched.json,
      'the rejected patches changed nothing',
    );

    const events = await collectEvents({
      brokers: testKafkaBrokers(),
      topic: topics.notesEvents,
      keep: (key) => key === noteId,
    });
    try {
      await events.waitFor((received) => received.length >= 2, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(events.received.length, 2, 'NoteCreated and one NoteUpdated: no event for the rejected patches');
      const onPatch = fromBinary(NoteUpdatedSchema, (events.received[1] as ReceivedEvent).envelope.payload);
      assert.deepEqual([onPatch.title, onPatch.tags, onPatch.pinned, onPatch.version], ['keep', ['a', 'b'], true, 2n]);
    } finally {
      await events.close();
    }
  });

  test("GET /v1/tags counts the caller's tags over live notes, archived ones included", async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    await api.welcomeNoteId(token);
    for (const body of [
      { title: '1', tags: ['work', 'b'] },
      { title: '2', tags: ['#Work'], archived: true },
    ]) {
      assert.equal((await api.call('POST', '/v1/notes', { token, body })).status, 201);
    }
    const gone = await api.call('POST', '/v1/notes', { token, body: { title: 'gone', tags: ['gone'] } });
    assert.equal((await api.call('DELETE', `/v1/notes/${gone.json.id}`, { token })).status, 204);

    const tags = await api.call('GET', '/v1/tags', { token });
    assert.equal(tags.status, 200, tags.text);
    assert.deepEqual(tags.json, {
      items: [
        { tag: 'work', count: 2 },
        { tag: 'b', count: 1 },
        { tag: 'welcome', count: 1 },
      ],
    });
  });

  test("the welcome note carries the tag 'welcome'", async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    const welcome = await api.call('GET', `/v1/notes/${await api.welcomeNoteId(token)}`, { token });
    assert.deepEqual(welcome.json.tags, ['welcome']);
  });

  test("notes.events carry the note's whole state after each change", async () => {
    const api = apiClient(platform.bffUrl);
    const { userId, token } = await api.signedInUser();
    const created = await api.call('POST', '/v1/notes', { token, body: { title: 'first', tags: ['A'] } });
    const noteId = created.json.id as string;
    const path = `/v1/notes/${noteId}`;
    const updated = await api.call('PUT', path, {
      token,
      body: { title: 'second', content: 'body', tags: ['b', 'a'], pinned: true, archived: true },
    });
    assert.equal(updated.status, 200, updated.text);
    assert.equal((await api.call('DELETE', path, { token })).status, 204);

    const events = await collectEvents({
      brokers: testKafkaBrokers(),
      topic: topics.notesEvents,
      keep: (key) => key === noteId,
    });
    try {
      await events.waitFor((received) => received.length >= 3, 15_000);
      const [createdEvent, updatedEvent, deletedEvent] = events.received as [
        ReceivedEvent,
        ReceivedEvent,
        ReceivedEvent,
      ];
      const onCreate = fromBinary(NoteCreatedSchema, createdEvent.envelope.payload);
      assert.deepEqual(
        [
          onCreate.ownerId,
          onCreate.title,
          onCreate.content,
          onCreate.tags,
          onCreate.pinned,
          onCreate.archived,
          onCreate.version,
        ],
        [userId, 'first', '', ['a'], false, false, 1n],
      );
      assert.equal(onCreate.createdAt && timestampDate(onCreate.createdAt).toISOString(), created.json.created_at);

      const onUpdate = fromBinary(NoteUpdatedSchema, updatedEvent.envelope.payload);
      assert.deepEqual(
        [onUpdate.title, onUpdate.content, onUpdate.tags, onUpdate.pinned, onUpdate.archived, onUpdate.version],
        ['second', 'body', ['a', 'b'], true, true, 2n],
      );
      assert.equal(onUpdate.updatedAt && timestampDate(onUpdate.updatedAt).toISOString(), updated.json.updated_at);
      assert.equal(onUpdate.createdAt && timestampDate(onUpdate.createdAt).toISOString(), created.json.created_at);

      const onDelete = fromBinary(NoteDeletedSchema, deletedEvent.envelope.payload);
      assert.equal(onDelete.version, 2n);
      assert.ok(onDelete.deletedAt && timestampDate(onDelete.deletedAt) >= new Date(updated.json.updated_at));
    } finally {
      await events.close();
    }
  });
});
