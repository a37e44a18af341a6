// What the change feed and change stream tests share: a client's copy of a user's notes, built
// from changes and checked at every change; concurrent writers; the server's notes to compare with.
import assert from 'node:assert/strict';
import type { apiClient } from './api.ts';

type Api = ReturnType<typeof apiClient>;

export interface ApiNote {
  id: string;
  title: string;
  version: number;
  archived: boolean;
  [field: string]: unknown;
}

export type Change = { op: 'upsert'; note: ApiNote } | { op: 'delete'; id: string; version: number };

/**
 * The notes a client holds, changed only by the changes it applies: a change repeated, applied out
 * of order or arriving after its note's deletion fails the test at once.
 */
export class NoteReplica {
  readonly notes = new Map<string, ApiNote>();
  private readonly lastVersions = new Map<string, number>();
  private readonly deleted = new Set<string>();

  apply(change: Change): void {
    const id = change.op === 'upsert' ? change.note.id : change.id;
    const version = change.op === 'upsert' ? change.note.version : change.version;
    const last = this.lastVersions.get(id) ?? 0;
    assert.ok(!this.deleted.has(id), `a change of ${id} after its deletion`);
    // An upsert is a newer version than the client holds (else it was sent twice); a deletion carries the last.
    if (change.op === 'upsert') assert.ok(version > last, `${id}: version ${version} after ${last}`);
    else assert.ok(version >= last, `${id}: deleted at version ${version} after ${last}`);
    this.lastVersions.set(id, version);
    if (change.op === 'upsert') this.notes.set(id, change.note);
    else {
      this.notes.delete(id);
      this.deleted.add(id);
    }
  }

  /** The notes in id order, as sortedNotes gives the server's. */
  sorted(): ApiNote[] {
    return sortedNotes(this.notes);
  }
}

const sortedNotes = (notes: Map<string, ApiNote>) => [...notes.values()].sort((a, b) => (a.id < b.id ? -1 : 1));

/** 24 writes of `name`: creates, replaces, archive toggles and deletions of its own notes, one after another. */
export async function writeNotes(api: Api, token: string, name: string): Promise<void> {
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
}

/** Every note of the user as GET /v1/notes lists them (archived or not), in id order. */
export async function serverNotes(api: Api, token: string): Promise<ApiNote[]> {
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
  return sortedNotes(server);
}
