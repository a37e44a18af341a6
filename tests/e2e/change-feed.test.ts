// The change feed through the public API (docs/contract/rest-api.md, "Change feed (delta sync)"):
// a client that applies GET /v1/notes/changes from a cursor while others write concurrently ends
// with exactly the server's notes (ADR 0011).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { type ApiResponse, apiClient, assertProblem } from './api.ts';
import { type Change, NoteReplica, serverNotes, writeNotes } from './note-changes.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

/** A client of the pull feed: the notes it holds (checked at every change), and its cursor. */
class FeedFollower {
  readonly replica = new NoteReplica();
  private readonly fetchPage: (cursor: string | undefined) => Promise<ApiResponse>;
  cursor: string | undefined;

  constructor(fetchPage: (cursor: string | undefined) => Promise<ApiResponse>) {
    this.fetchPage = fetchPage;
  }

  /** Applies pages until the feed has no more at once. */
  async catchUp(): Promise<void> {
    for (;;) {
      const page = await this.fetchPage(this.cursor);
      assert.equal(page.status, 200, page.text);
      for (const change of page.json.changes as Change[]) this.replica.apply(change);
      this.cursor = page.json.next_cursor;
      if (!page.json.has_more) return;
    }
  }
}

describe('GET /v1/notes/changes', () => {
  let platform: RunningPlatform;
  before(async () => {
    platform = await startTestPlatform();
  });
  after(async () => {
    await platform?.close();
  });

  test('a client applying the feed from a cursor while others write concurrently ends with exactly the server state', async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    await api.welcomeNoteId(token);
    const follower = new FeedFollower((cursor) =>
      api.call('GET', `/v1/notes/changes?limit=7${cursor === undefined ? '' : `&cursor=${cursor}`}`, { token }),
    );
    await follower.catchUp();
    assert.equal(follower.replica.notes.size, 1, 'the full sync holds the welcome note');

    let writing = true;
    const following = (async () => {
      // A pause between polls keeps the follower well under the BFF's per-IP limit (600 a minute).
      for (; writing; await setTimeout(25)) await follower.catchUp();
    })();
    await Promise.all(['a', 'b', 'c'].map((name) => writeNotes(api, token, name)));
    writing = false;
    await following;
    await follower.catchUp();

    const server = await serverNotes(api, token);
    assert.ok(server.length > 1 && server.some((note) => note.archived));
    assert.deepEqual(follower.replica.sorted(), server);
    const settled = await api.call('GET', `/v1/notes/changes?cursor=${follower.cursor}`, { token });
    assert.deepEqual([settled.json.changes, settled.json.has_more], [[], false], 'nothing left after catching up');
  });

  test('is 400 naming limit or cursor, 401 without a token, and 405 for a method it does not serve', async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    const badLimit = await api.call('GET', '/v1/notes/changes?limit=501', { token });
    assertProblem(badLimit, 400);
    assert.deepEqual(
      badLimit.json.errors.map((error: { field: string }) => error.field),
      ['limit'],
    );
    const badCursor = await api.call('GET', '/v1/notes/changes?cursor=not-a-cursor', { token });
    assertProblem(badCursor, 400);
    assert.deepEqual(
      badCursor.json.errors.map((error: { field: string }) => error.field),
      ['cursor'],
    );
    assertProblem(await api.call('GET', '/v1/notes/changes'), 401);
    const refused = await api.call('DELETE', '/v1/notes/changes', { token });
    assertProblem(refused, 405);
    assert.equal(refused.headers.get('allow'), 'GET, HEAD');
  });
});
