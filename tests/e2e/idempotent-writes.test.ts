// Idempotency-Key on the note writes, through the public API down to notes-service's database and
// notes.events: a repeated request gets the first answer byte for byte and writes nothing; another
// request under the key is a 422; a request while the first is still in its transaction is a 409
// (the first held deterministically by a lock the test takes); a retried POST whose first answer
// was lost leaves exactly one note and one event.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eventTypes, topics } from '@notes/contracts/names';
import { createPool, type Pool, type PoolClient } from '@notes/postgres';
import { collectEvents, testKafkaBrokers } from '@notes/testkit';
import { type ApiResponse, apiClient, assertProblem } from './api.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

/** What a replay must repeat byte for byte. */
const answerOf = (response: ApiResponse) => ({
  status: response.status,
  text: response.text,
  etag: response.headers.get('etag'),
  location: response.headers.get('location'),
});

describe('idempotent note writes', () => {
  let platform: RunningPlatform;
  let notesDb: Pool;
  before(async () => {
    platform = await startTestPlatform();
    notesDb = createPool({ dsn: platform.dsn.notes, maxConnections: 4, applicationName: 'e2e-idempotency' });
  });
  after(async () => {
    await notesDb?.end();
    await platform?.close();
  });

  const notesTitled = async (ownerId: string, title: string) =>
    (await notesDb.query('SELECT id FROM notes WHERE owner_id = $1 AND title = $2', [ownerId, title])).rowCount;

  /**
   * Runs `work` while a test transaction holds a row of the owner's key, not yet committed: a write
   * with that key has taken the key (its advisory lock) and written its note when it comes to wait
   * for the row, in the statement that records the key. `waiting` resolves once a write waits.
   */
  async function whileKeyHeld<T>(
    ownerId: string,
    key: string,
    work: (waiting: () => Promise<void>) => Promise<T>,
  ): Promise<T> {
    const holder: PoolClient = await notesDb.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `INSERT INTO idempotency_keys (owner_id, key, fingerprint, answer, created_at)
         VALUES ($1, $2, '\\x00', '\\x00', now())`,
        [ownerId, key],
      );
      const { rows: holderPid } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const waiting = async () => {
        for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
          const { rows } = await notesDb.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1`,
            [holderPid[0]?.pid],
          );
          if ((rows[0]?.n ?? 0) > 0) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        throw new Error('no request came to wait for the lock');
      };
      return await work(waiting);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  }

  test('a POST repeated with its key gets the first answer byte for byte, even after the note changed, and writes once', async () => {
    const api = apiClient(platform.bffUrl);
    const { userId, token } = await api.signedInUser();
    const key = randomUUID();
    const title = `idempotent ${key}`;
    const post = () =>
      api.call('POST', '/v1/notes', { token, body: { title, tags: ['b', 'A'] }, headers: { 'idempotency-key': key } });
    const first = await post();
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const again = await post();
    assert.deepEqual(answerOf(again), answerOf(first));
    assert.equal(again.headers.get('idempotent-replayed'), 'true');

    // A replay does not look at the note as it is now: it repeats the first answer.
    const path = `/v1/notes/${first.json.id}`;
    assert.equal((await api.call('PUT', path, { token, body: { title: 'changed', content: '' } })).status, 200);
    assert.deepEqual(answerOf(await post()), answerOf(first));
    assert.equal(await notesTitled(userId, title), 0, 'the one note was renamed, no other was made');
    assert.equal(await notesTitled(userId, 'changed'), 1);

    const events = await collectEvents({
      brokers: testKafkaBrokers(),
      topic: topics.notesEvents,
      keep: (eventKey) => eventKey === first.json.id,
    });
    try {
      await events.waitFor((received) => received.length >= 2, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.deepEqual(
        events.received.map((event) => event.envelope.type),
        [eventTypes.NoteCreated, eventTypes.NoteUpdated],
      );
    } finally {
      await events.close();
    }
  });

  test('PUT, PATCH and DELETE repeated with their keys answer as the first time; a DELETE after the note is gone still gets its 204', async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    const created = await api.call('POST', '/v1/notes', { token, body: { title: 'to change' } });
    const path = `/v1/notes/${created.json.id}`;
    const writes: { method: string; body?: unknown; headers: Record<string, string> }[] = [
      { method: 'PUT', body: { title: 'replaced', content: '' }, headers: { 'if-match': '"1"' } },
      {
        method: 'PATCH',
        body: { pinned: true },
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"2"' },
      },
      { method: 'DELETE', headers: {} },
    ];
    for (const { method, body, headers } of writes) {
      const options = { token, body, headers: { ...headers, 'idempotency-key': `${method}-${randomUUID()}` } };
      const first = await api.call(method, path, options);
      assert.ok(first.status === 200 || first.status === 204, `${method}: ${first.status} ${first.text}`);
      const again = await api.call(method, path, options);
      assert.deepEqual(answerOf(again), answerOf(first), method);
      assert.equal(again.headers.get('idempotent-replayed'), 'true', method);
    }
    assert.equal((await api.call('GET', path, { token })).status, 404);
    const { rows } = await notesDb.query('SELECT version FROM notes WHERE id = $1', [created.json.id]);
    assert.deepEqual(rows, [{ version: '3' }], 'one update each for PUT and PATCH');
  });

  test('the same key with another body or path is a 422 that writes nothing; another user may use the same key', async () => {
    const api = apiClient(platform.bffUrl);
    const alice = await api.signedInUser();
    const bob = await api.signedInUser();
    const headers = { 'idempotency-key': 'shared-key' };
    const first = await api.call('POST', '/v1/notes', { token: alice.token, body: { title: 'one' }, headers });
    assert.equal(first.status, 201, first.text);
    const otherBody = await api.call('POST', '/v1/notes', { token: alice.token, body: { title: 'two' }, headers });
    assertProblem(otherBody, 422);
    const otherPath = await api.call('DELETE', `/v1/notes/${first.json.id}`, { token: alice.token, headers });
    assertProblem(otherPath, 422);
    assert.equal(await notesTitled(alice.userId, 'two'), 0);
    assert.equal((await api.call('GET', `/v1/notes/${first.json.id}`, { token: alice.token })).status, 200);

    const bobs = await api.call('POST', '/v1/notes', { token: bob.token, body: { title: 'two' }, headers });
    assert.equal(bobs.status, 201, bobs.text);
    assert.equal(bobs.headers.get('idempotent-replayed'), null);
    assert.equal(await notesTitled(bob.userId, 'two'), 1);
  });

  test('a malformed key is a 400 naming the header, and writes nothing', async () => {
    const api = apiClient(platform.bffUrl);
    const { userId, token } = await api.signedInUser();
    for (const key of ['', 'has space', 'x'.repeat(256), 'clé']) {
      const response = await api.call('POST', '/v1/notes', {
        token,
        body: { title: 'malformed key' },
        headers: { 'idempotency-key': key },
      });
      assertProblem(response, 400);
      assert.deepEqual(
        response.json.errors.map((error: { field: string }) => error.field),
        ['idempotency-key'],
        JSON.stringify(key),
      );
    }
    assert.equal(await notesTitled(userId, 'malformed key'), 0);
  });

  test('while the first request with a key is still in its transaction, another with the key is a 409', async () => {
    const api = apiClient(platform.bffUrl);
    const { userId, token } = await api.signedInUser();
    const title = `in flight ${randomUUID()}`;
    const post = () =>
      api.call('POST', '/v1/notes', { token, body: { title }, headers: { 'idempotency-key': 'in-flight' } });
    // The first POST takes the key, then waits to record it until the test's lock goes.
    const { pending } = await whileKeyHeld(userId, 'in-flight', async (waiting) => {
      const firstPost = post();
      await waiting();
      assertProblem(await post(), 409);
      return { pending: firstPost };
    });
    const first = await pending;
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(answerOf(await post()), answerOf(first));
    assert.equal(await notesTitled(userId, title), 1);
  });

  test('a POST retried after its answer was lost leaves exactly one note and one NoteCreated', async () => {
    const api = apiClient(platform.bffUrl);
    const { userId, token } = await api.signedInUser();
    const key = randomUUID();
    const title = `lost answer ${key}`;
    const request = (signal?: AbortSignal) =>
      fetch(`${platform.bffUrl}/v1/notes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ title }),
        signal,
      });
    // The first attempt reaches the database and is held there; the client gives up on it (a
    // timeout), then the write commits with nobody to hear its answer.
    await whileKeyHeld(userId, key, async (waiting) => {
      const client = new AbortController();
      const lost = request(client.signal);
      await waiting();
      client.abort();
      await assert.rejects(lost, { name: 'AbortError' });
    });
    // The client retries, as it would after a timeout, until the first attempt is no longer in flight.
    let retried = await request();
    while (retried.status === 409) {
      await retried.text();
      await new Promise((resolve) => setTimeout(resolve, 50));
      retried = await request();
    }
    assert.equal(retried.status, 201);
    assert.equal(retried.headers.get('idempotent-replayed'), 'true');
    const note = (await retried.json()) as { id: string; title: string };
    assert.equal(note.title, title);
    assert.equal(await notesTitled(userId, title), 1);

    const events = await collectEvents({
      brokers: testKafkaBrokers(),
      topic: topics.notesEvents,
      keep: (eventKey) => eventKey === note.id,
    });
    try {
      await events.waitFor((received) => received.length >= 1, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.deepEqual(
        events.received.map((event) => event.envelope.type),
        [eventTypes.NoteCreated],
      );
    } finally {
      await events.close();
    }
  });
});
