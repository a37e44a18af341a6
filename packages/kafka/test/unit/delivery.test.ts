import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { eventTypes, topics } from '@notes/contracts/names';
import { createLogger } from '@notes/logger';
import { createDelivery, type RawMessage, type StreamSession } from '../../src/delivery.ts';
import { encodeEvent } from '../../src/envelope.ts';
import { retryPolicy } from '../../src/retry-policy.ts';

const topic = topics.notesEvents;

function message(offset: bigint): RawMessage {
  const record = encodeEvent({
    eventId: crypto.randomUUID(),
    aggregateId: 'note-1',
    type: eventTypes.NoteCreated,
    occurredAt: new Date(),
    payload: new Uint8Array([1]),
  });
  return {
    topic,
    partition: 0,
    offset,
    leaderEpoch: 0,
    key: Buffer.from(record.key),
    value: Buffer.from(record.value),
    headerEntries: [...record.headers].map(([name, value]) => [Buffer.from(name), Buffer.from(value)]),
  } as unknown as RawMessage;
}

/** A group member holding partition 0 whose commits never complete (a slow broker, taken to the limit). */
function sessionWithStuckCommits(committed: bigint[]): StreamSession {
  const consumer = {
    assignments: [{ topic, partitions: [0] }],
    commit: ({ offsets }: { offsets: { offset: bigint }[] }) => {
      committed.push(...offsets.map((offset) => offset.offset));
      return new Promise(() => {});
    },
  };
  return { consumer, stream: undefined, signal: new AbortController().signal } as unknown as StreamSession;
}

function delivery(handled: bigint[], awaitCommits: boolean | undefined) {
  return createDelivery(
    {
      groupId: 'test',
      handler: async (event) => {
        handled.push(event.offset);
      },
      deadLetter: { send: async () => assert.fail('nothing is dead-lettered') },
      ...(awaitCommits === undefined ? {} : { awaitCommits }),
    },
    retryPolicy(),
    createLogger({ service: 'test', level: 'silent' }),
  );
}

test('by default a delivery ends only once its offset is committed', async () => {
  const handled: bigint[] = [];
  const committed: bigint[] = [];
  const delivered = delivery(handled, undefined).deliver(sessionWithStuckCommits(committed), message(7n));
  assert.equal(await Promise.race([delivered.then(() => 'delivered'), setTimeout(50, 'waiting')]), 'waiting');
  assert.deepEqual([handled, committed], [[7n], [8n]]);
});

test('with awaitCommits false the next message does not wait for the commit, and every offset is still committed', async () => {
  const handled: bigint[] = [];
  const committed: bigint[] = [];
  const session = sessionWithStuckCommits(committed);
  const signals = delivery(handled, false);
  for (const offset of [7n, 8n, 9n]) {
    const delivered = signals.deliver(session, message(offset)).then(() => 'delivered');
    assert.equal(await Promise.race([delivered, setTimeout(1_000, 'waiting for its commit')]), 'delivered');
  }
  assert.deepEqual(handled, [7n, 8n, 9n]);
  assert.deepEqual(committed, [8n, 9n, 10n]);
});
