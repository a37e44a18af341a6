import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ChangedNote,
  type ChangesRequest,
  createListChanges,
  type NoteChanges,
} from '../../src/app/list-changes.ts';
import { decodeChangeCursor, encodeChangeCursor, type Snapshot } from '../../src/domain/change-cursor.ts';
import { ChangeCursorExpired, InvalidChangeLimit } from '../../src/domain/errors.ts';
import type { Note } from '../../src/domain/note.ts';

const ownerId = '0190f5f4-7b1c-7a3e-8f00-000000000001';
const snapshot: Snapshot = { xmin: 100n, xmax: 110n, inProgress: [104n] };

function changed(xid: bigint, index: number, deleted = false): ChangedNote {
  const time = new Date('2026-12-05T04:00:00.000Z');
  const note: Note = {
    id: `0190f5f4-7b1c-7a3e-8f00-00000000010${index}`,
    ownerId,
    title: `note ${index}`,
    content: '',
    tags: [],
    pinned: false,
    archived: false,
    version: index + 1,
    createdAt: time,
    updatedAt: time,
  };
  return { note, deleted, xid };
}

/** A feed that answers every read with the same rows (cut to the count asked), recording what was asked. */
function scriptedChanges(rows: ChangedNote[], purgedThrough = 0n): NoteChanges & { requests: ChangesRequest[] } {
  const requests: ChangesRequest[] = [];
  return {
    requests,
    async read(request) {
      requests.push(request);
      return { snapshot, purgedThrough, changes: rows.slice(0, request.count) };
    },
  };
}

describe('list changes', () => {
  test('a full sync reads every live note; each change carries the cursor after it, the last one ends the pass', async () => {
    const changes = scriptedChanges([changed(101n, 0), changed(103n, 1)]);
    const page = await createListChanges({ changes })({ ownerId, limit: 0, cursor: undefined });
    assert.deepEqual(changes.requests, [{ ownerId, since: undefined, until: undefined, after: undefined, count: 101 }]);
    assert.equal(page.hasMore, false);
    assert.deepEqual(
      page.changes.map((change) => decodeChangeCursor(change.cursor)),
      [
        { since: undefined, pass: { until: snapshot, after: { xid: 101n, noteId: changed(101n, 0).note.id } } },
        { since: snapshot },
      ],
    );
    assert.equal(page.nextCursor, page.changes.at(-1)?.cursor);
  });

  test('a full page says more follow and resumes after its last change under the bound of its pass', async () => {
    const since: Snapshot = { xmin: 90n, xmax: 95n, inProgress: [] };
    const changes = scriptedChanges([changed(101n, 0), changed(102n, 1, true), changed(103n, 2)]);
    const listChanges = createListChanges({ changes });
    const page = await listChanges({ ownerId, limit: 2, cursor: encodeChangeCursor({ since }) });
    assert.equal(page.hasMore, true);
    assert.deepEqual(page.changes[1], {
      op: 'delete',
      noteId: changed(0n, 1).note.id,
      version: 2,
      cursor: page.nextCursor,
    });
    const resumeAt = { since, pass: { until: snapshot, after: { xid: 102n, noteId: changed(0n, 1).note.id } } };
    assert.deepEqual(decodeChangeCursor(page.nextCursor), resumeAt);

    await listChanges({ ownerId, limit: 2, cursor: page.nextCursor });
    assert.deepEqual(changes.requests[1], { ownerId, since, until: snapshot, after: resumeAt.pass.after, count: 3 });
  });

  test('with nothing new, the next cursor is the snapshot read (or the bound of the pass under way)', async () => {
    const listChanges = createListChanges({ changes: scriptedChanges([]) });
    const since: Snapshot = { xmin: 90n, xmax: 95n, inProgress: [] };
    const finished = await listChanges({ ownerId, limit: 10, cursor: encodeChangeCursor({ since }) });
    assert.deepEqual([finished.changes, decodeChangeCursor(finished.nextCursor)], [[], { since: snapshot }]);
    const until: Snapshot = { xmin: 96n, xmax: 99n, inProgress: [] };
    const underWay = encodeChangeCursor({
      since,
      pass: { until, after: { xid: 97n, noteId: changed(0n, 0).note.id } },
    });
    const ended = await listChanges({ ownerId, limit: 10, cursor: underWay });
    assert.deepEqual(decodeChangeCursor(ended.nextCursor), { since: until });
  });

  test('a cursor whose snapshot did not see every purged deletion is expired; a full sync never is', async () => {
    const listChanges = createListChanges({ changes: scriptedChanges([], 90n) });
    const cursorAt = (xmin: bigint) => encodeChangeCursor({ since: { xmin, xmax: xmin, inProgress: [] } });
    await assert.rejects(listChanges({ ownerId, limit: 10, cursor: cursorAt(90n) }), ChangeCursorExpired);
    await assert.rejects(listChanges({ ownerId, limit: 10, cursor: cursorAt(50n) }), ChangeCursorExpired);
    assert.deepEqual((await listChanges({ ownerId, limit: 10, cursor: cursorAt(91n) })).changes, []);
    assert.deepEqual((await listChanges({ ownerId, limit: 10, cursor: undefined })).changes, []);
  });

  test('a limit beyond 500 is refused before anything is read', async () => {
    const changes = scriptedChanges([]);
    await assert.rejects(
      createListChanges({ changes })({ ownerId, limit: 501, cursor: undefined }),
      InvalidChangeLimit,
    );
    assert.deepEqual(changes.requests, []);
  });
});
