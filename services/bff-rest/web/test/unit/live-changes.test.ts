import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverSentEvents } from '../../src/live-changes.ts';

/** A body that arrives in these chunks. */
function body(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function eventsOf(stream: ReadableStream<Uint8Array>) {
  const events = [];
  for await (const event of serverSentEvents(stream)) events.push(event);
  return events;
}

describe('serverSentEvents', () => {
  it('reads events split anywhere across chunks, skipping comments, keeping the last id', async () => {
    const events = await eventsOf(
      body(
        ': heartbeat\n\nid: c1\nevent: change\nda',
        'ta: {"op":"delete"}\n',
        '\r\n: ping\n\nevent: change\ndata: a\ndata: b\n\n',
      ),
    );
    assert.deepEqual(events, [
      { type: 'change', id: 'c1', data: '{"op":"delete"}' },
      { type: 'change', id: 'c1', data: 'a\nb' },
    ]);
  });

  it('leaves out an event the stream ends in the middle of', async () => {
    assert.deepEqual(await eventsOf(body('event: change\ndata: {}')), []);
  });
});
