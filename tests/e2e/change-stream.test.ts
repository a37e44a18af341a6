// GET /v1/notes/changes/stream through two BFF replicas: a change written through one reaches a
// stream held by the other (through notes.events on Kafka), a stream resumed from its last id
// misses nothing and repeats nothing, streams of one owner at different cursors (sharing reads
// where they are at the same one) each end with exactly the server's notes while writes happen,
// the per-user limit is a 429, and a replica that stops ends its streams with a close event.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { type EventStreamReader, openEventStream, type ServerSentEvent } from '@notes/testkit';
import { apiClient, assertProblem } from './api.ts';
import { type Change as NoteChange, NoteReplica, serverNotes, writeNotes } from './note-changes.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

interface Change {
  op: 'upsert' | 'delete';
  note?: { id: string; title: string; version: number };
  id?: string;
  version?: number;
}

const changeOf = (event: ServerSentEvent): Change => {
  assert.equal(event.event, 'change', event.data);
  assert.ok(event.id, 'every change carries the cursor after it as its id');
  return JSON.parse(event.data) as Change;
};

describe('change streams across BFF replicas', () => {
  let platform: RunningPlatform;
  const streams: EventStreamReader[] = [];
  before(async () => {
    platform = await startTestPlatform({ bffReplicas: 2, env: { CHANGE_STREAMS_MAX_PER_USER: '2' } });
    // Changes reach streams through Kafka only (not the catch-up read of a joining consumer).
    await platform.followingNoteChanges();
  });
  after(async () => {
    for (const stream of streams) stream.close();
    await platform?.close();
  });

  const open = async (replica: number, token: string, headers: Record<string, string> = {}, query = '') => {
    const stream = await openEventStream(`${platform.bffUrls[replica]}/v1/notes/changes/stream${query}`, {
      authorization: `Bearer ${token}`,
      ...headers,
    });
    streams.push(stream);
    return stream;
  };

  test('a write through one replica reaches a stream held by the other; a resumed stream has no gap and no repeat', async () => {
    const [first, second] = platform.bffUrls.map(apiClient) as [
      ReturnType<typeof apiClient>,
      ReturnType<typeof apiClient>,
    ];
    const { token } = await first.signedInUser();
    const welcome = await first.welcomeNoteId(token);

    const stream = await open(1, token);
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.deepEqual(
      changeOf(await stream.next()).note?.id,
      welcome,
      'without a cursor, it starts with every live note',
    );

    const created = await first.call('POST', '/v1/notes', { token, body: { title: 'written on replica 1' } });
    assert.equal(created.status, 201, created.text);
    const upsert = changeOf(await stream.next());
    assert.deepEqual(
      [upsert.op, upsert.note?.id, upsert.note?.title],
      ['upsert', created.json.id, 'written on replica 1'],
    );

    const patched = await first.call('PATCH', `/v1/notes/${created.json.id}`, {
      token,
      headers: { 'content-type': 'application/merge-patch+json' },
      body: { title: 'edited' },
    });
    assert.equal(patched.status, 200, patched.text);
    const edited = changeOf(await stream.next());
    assert.deepEqual([edited.note?.title, edited.note?.version], ['edited', 2]);
    const deleted = await first.call('DELETE', `/v1/notes/${created.json.id}`, { token });
    assert.equal(deleted.status, 204);
    const deletion = await stream.next();
    assert.deepEqual(changeOf(deletion), { op: 'delete', id: created.json.id, version: 2 });
    stream.close();

    // Written while no stream is open: a stream resumed from the last id gets it, and only it.
    const later = await second.call('POST', '/v1/notes', { token, body: { title: 'written while offline' } });
    assert.equal(later.status, 201, later.text);
    const resumed = await open(
      0,
      token,
      { 'last-event-id': deletion.id as string },
      '?cursor=ignored-when-last-event-id-is-sent',
    );
    assert.equal(resumed.status, 200);
    const missed = changeOf(await resumed.next());
    assert.equal(missed.note?.id, later.json.id);
    const another = await second.call('POST', '/v1/notes', { token, body: { title: 'live again' } });
    assert.equal(changeOf(await resumed.next()).note?.id, another.json.id, 'nothing between the two: no repeat');
    resumed.close();
  });

  test("several streams of one owner, at different cursors on both replicas, each end with exactly the server's notes while writes happen", async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    await api.welcomeNoteId(token);
    /** A full sync through the pull feed: the changes to apply, and the cursor after them. */
    const pullSync = async () => {
      const changes: NoteChange[] = [];
      for (let cursor: string | undefined; ; ) {
        const page = await api.call('GET', `/v1/notes/changes${cursor === undefined ? '' : `?cursor=${cursor}`}`, {
          token,
        });
        assert.equal(page.status, 200, page.text);
        changes.push(...page.json.changes);
        cursor = page.json.next_cursor as string;
        if (!page.json.has_more) return { changes, cursor };
      }
    };
    /** A client that holds the synced notes and follows a stream from the sync's cursor on `replica`. */
    const following = async (replica: number, sync: Awaited<ReturnType<typeof pullSync>>) => {
      const notes = new NoteReplica();
      for (const change of sync.changes) notes.apply(change);
      const stream = await open(replica, token, {}, `?cursor=${encodeURIComponent(sync.cursor)}`);
      assert.equal(stream.status, 200);
      return { notes, stream };
    };

    const synced = await pullSync();
    const followers = [
      // Without a cursor: its stream starts with every live note.
      { notes: new NoteReplica(), stream: await open(0, token) },
      // Two at the same cursor on one replica: they share their reads of the feed.
      await following(1, synced),
      await following(1, synced),
    ];
    const writing = Promise.all(
      ['a', 'b', 'c'].map((name, index) => writeNotes(apiClient(platform.bffUrls[index % 2] as string), token, name)),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    // One more that joins while the writes go on, from a cursor of its own.
    followers.push(await following(0, await pullSync()));
    await writing;

    const server = await serverNotes(api, token);
    assert.ok(server.length > 1 && server.some((note) => note.archived));
    await Promise.all(
      followers.map(async ({ notes, stream }) => {
        while (!isDeepStrictEqual(notes.sorted(), server)) notes.apply(changeOf(await stream.next()) as NoteChange);
        await assert.rejects(stream.next(500), /no event/, 'nothing follows the last change');
        stream.close();
      }),
    );
  });

  test('a cursor that does not decode is a 400 naming it; a stream without a token is a 401', async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    const bad = await api.call('GET', '/v1/notes/changes/stream?cursor=not-a-cursor', { token });
    assertProblem(bad, 400);
    assert.deepEqual(
      bad.json.errors.map((error: { field: string }) => error.field),
      ['cursor'],
    );
    assertProblem(await api.call('GET', '/v1/notes/changes/stream'), 401);
  });

  test('a user may hold CHANGE_STREAMS_MAX_PER_USER streams on a replica; one more is a 429', async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    const held = [await open(0, token), await open(0, token)];
    assert.deepEqual(
      held.map((stream) => stream.status),
      [200, 200],
    );
    assertProblem(await api.call('GET', '/v1/notes/changes/stream', { token }), 429);
    assert.equal((await open(1, token)).status, 200, 'the limit is per replica');
    held[0]?.close();
    // The closed stream no longer counts once the replica has seen the connection go.
    for (let tries = 0; ; tries++) {
      const again = await open(0, token);
      if (again.status === 200) break;
      assert.ok(tries < 50, 'the closed stream was never released');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  test('a replica that stops ends its streams with a close event, and counts what it sent', async () => {
    const api = apiClient(platform.bffUrls[1] as string);
    const { token } = await api.signedInUser();
    await api.welcomeNoteId(token);
    const stream = await open(1, token);
    changeOf(await stream.next());
    const metrics = await (await fetch(`${platform.bffUrls[1]}/metrics`)).text();
    assert.match(metrics, /^change_streams_open [1-9]/m);
    assert.match(metrics, /^change_stream_changes_sent_total [1-9]/m);
    assert.match(metrics, /^change_stream_delivery_seconds_count [1-9]/m);

    await platform.stopService('bff-2');
    const [close] = await stream.ended();
    assert.deepEqual([close?.event, close && JSON.parse(close.data)], ['close', { reason: 'shutting-down' }]);
    await platform.startService('bff-2');
  });
});
