// GET /v1/notes/changes/stream over fake upstreams: the feed as Server-Sent Events, woken by
// signals as notes.events would give them, resumed from Last-Event-ID, limited per user, and ended
// with a close event when the app closes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openEventStream } from '@notes/testkit';
import { buildTestBff, type TestBff } from './fakes.ts';

describe('GET /v1/notes/changes/stream', () => {
  let bff: TestBff;
  let url: string;
  before(async () => {
    bff = await buildTestBff({ 'changeStreams.maxPerUser': 2 });
    url = `${await bff.app.listen({ host: '127.0.0.1', port: 0 })}/v1/notes/changes/stream`;
  });
  after(async () => {
    await bff.app.close();
  });

  const create = async (authorization: string, title: string) => {
    const response = await bff.app.inject({
      method: 'POST',
      url: '/v1/notes',
      headers: { authorization },
      payload: { title },
    });
    assert.equal(response.statusCode, 201, response.body);
    return response.json().id as string;
  };

  it('sends the feed, then each change a signal announces, each with the cursor after it as its id', async () => {
    const { userId, authorization } = await bff.signedInUser();
    const first = await create(authorization, 'before the stream');
    const stream = await openEventStream(url, { authorization });
    try {
      assert.equal(stream.status, 200);
      assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.equal(stream.headers.get('cache-control'), 'no-store');
      const synced = await stream.next();
      assert.deepEqual([synced.event, synced.id, JSON.parse(synced.data).note.id], ['change', 'feed:1', first]);

      const second = await create(authorization, 'while streaming');
      bff.changeStreams.signal({ ownerId: userId, occurredAt: new Date() });
      const live = await stream.next();
      assert.deepEqual(
        [live.id, JSON.parse(live.data)],
        [
          'feed:2',
          {
            op: 'upsert',
            note: JSON.parse((await bff.app.inject({ url: `/v1/notes/${second}`, headers: { authorization } })).body),
          },
        ],
      );
      // Another owner's change does not wake this stream, nor repeat what it sent.
      bff.changeStreams.signal({ ownerId: (await bff.signedInUser()).userId, occurredAt: new Date() });
      bff.changeStreams.signal({ ownerId: userId, occurredAt: new Date() });
      await assert.rejects(stream.next(300), /no event/);
    } finally {
      stream.close();
    }
  });

  it('resumes after Last-Event-ID, which wins over the cursor of the URL', async () => {
    const { authorization } = await bff.signedInUser();
    await create(authorization, 'one');
    const two = await create(authorization, 'two');
    const stream = await openEventStream(`${url}?cursor=feed:0`, { authorization, 'last-event-id': 'feed:1' });
    try {
      assert.equal(JSON.parse((await stream.next()).data).note.id, two);
    } finally {
      stream.close();
    }
  });

  it('refuses one stream more than maxPerUser with a 429, and a bad cursor with a 400 naming it', async () => {
    const { authorization } = await bff.signedInUser();
    const held = [await openEventStream(url, { authorization }), await openEventStream(url, { authorization })];
    try {
      const refused = await fetch(url, { headers: { authorization } });
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '5');
      assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const bad = await fetch(`${url}?cursor=nope`, {
        headers: { authorization: (await bff.signedInUser()).authorization },
      });
      assert.equal(bad.status, 400);
      assert.deepEqual(
        ((await bad.json()) as { errors: { field: string }[] }).errors.map((error) => error.field),
        ['cursor'],
      );
    } finally {
      for (const stream of held) stream.close();
    }
  });

  it('ends every stream with a close event when the app closes, so that clients reconnect elsewhere', async () => {
    const closing = await buildTestBff();
    const address = await closing.app.listen({ host: '127.0.0.1', port: 0 });
    const { authorization } = await closing.signedInUser();
    const stream = await openEventStream(`${address}/v1/notes/changes/stream`, { authorization });
    assert.equal(stream.status, 200);
    await closing.app.close();
    const [last] = await stream.ended();
    assert.deepEqual([last?.event, last && JSON.parse(last.data)], ['close', { reason: 'shutting-down' }]);
  });
});
