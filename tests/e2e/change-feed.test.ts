// The change feed through the public API (docs/contract/rest-api.md, "Change feed (delta sync)"):
// a client that applies GET /v1/notes/changes from a cursor while others write concurrently ends
// with exactly the server's notes (ADR 0011).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { type ApiResponse, apiClient, assertProblem } from './api.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

interface ApiNote {
  id: string;
  title: string;
  version: number;
  archived: boolean;
  [field: string]: unknown;
}

type Change = { op: 'upsert'; note: ApiNote } | { op: 'delete'; id: string; version: number };

/** A client of the feed: the notes it holds, and what it checks of every change it applies. */
class FeedFollower {
  readonly notes = new Map<string, ApiNote>();
  private readonly lastVersions = new Map<string, number>();
  private readonly deleted = new Set<string>();
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
      for (const change of page.json.changes as Change[]) this.apply(change);
      this.cursor = page.json.next_cursor;
      if (!page.json.has_more) return;
    }
  }

  private apply(change: Change): void {
    const id = change.op === 'upsert' ? change.note.id : change.id;
    const version = change.op === 'upsert' ? change.note.version : change.version;
    assert.ok(!this.deleted.has(id), `a change of ${id} after its deletion`);
    assert.ok(version >= (this.lastVersions.get(id) ?? 0), `${id}: version ${version} after a later one`);
    this.lastVersions.set(id, version);
    if (change.op === 'upsert') this.notes.set(id, change.note);
    else {
      this.notes.delete(id);
      this.deleted.add(id);
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
    assert.equal(follower.notes.size, 1, 'the full sync holds the welcome note');

    const writer = async (name: string) => {
      const mine: ApiNote[] = [];
      for (let step = 0; step < 24; step += 1) {
        const note = mine[step % 3];
        if (step % 4 === 0 || note === undefined) {
          const created = await api.call('POST', '/v1/notes', { token, body: { title: `${name} ${step}` } });
          assert.equal(created.status, 201, created.text);
          mine.push(created.json);
        } else if (step % 4 === 1) {
          const body = { title: `${name} ${step}`, content: 'replaced', tags: [name] };
          const replaced = await api.call('PUT', `/v1/notes/${note.id}`, { token, body });
          assert.equal(replaced.status, 200, replaced.text);
          mine[step % 3] = replaced.json;
        } else if (step % 4 === 2) {
          const patched = await api.call('PATCH', `/v1/notes/${note.id}`, {
            token,
            headers: { 'content-type': 'application/merge-patch+json' },
            body: { archived: !note.archived },
          });
          assert.equal(patched.status, 200, patched.text);
          mine[step % 3] = patched.json;
        } else {
          assert.equal((await api.call('DELETE', `/v1/notes/${note.id}`, { token })).status, 204);
          mine.splice(step % 3, 1);
        }
      }
    };
    let writing = true;
    const following = (async () => {
      // A pause between polls keeps the follower well under the BFF's per-IP limit (600 a minute).
      for (; writing; await setTimeout(25)) await follower.catchUp();
    })();
    await Promise.all(['a', 'b', 'c'].map(writer));
    writing = false;
    await following;
    await follower.catchUp();

    const server = new Map<string, ApiNote>();
    for (const archived of [false, true]) {
      let cursor: string | null = null;
      do {
        const query: string = `/v1/notes?limit=100&archived=${archived}${cursor === null ? '' : `&cursor=${cursor}`}`;
        const page = await api.call('GET', query, { token });
        for (const note of page.json.items as ApiNote[]) server.set(note.id, note);
        cursor = page.json.next_cursor;
      } while (cursor !== null);
    }
    assert.ok(server.size > 1 && [...server.values()].some((note) => note.archived));
    assert.deepEqual(
      [...follower.notes.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
      [...server.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
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
