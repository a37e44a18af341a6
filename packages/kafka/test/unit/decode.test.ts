import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventTypes, topics } from '@notes/contracts/names';
import { decodeConsumedEvent, UndecodableEventError } from '../../src/consumed-event.ts';
import type { RawHeader } from '../../src/dlq.ts';
import { encodeEvent } from '../../src/envelope.ts';

const where = { topic: topics.authEvents, partition: 1, offset: 12n };

test('a record of the contract decodes into the event with its headers and position', () => {
  const record = encodeEvent({
    eventId: '7d9f3f4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
    aggregateId: 'user-1',
    type: eventTypes.UserCreated,
    occurredAt: new Date('2026-03-04T05:06:07.089Z'),
    payload: new Uint8Array([1, 2, 3]),
    correlationId: 'saga-9',
    traceHeaders: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  });
  const headers: RawHeader[] = [...record.headers].map(([name, value]) => [name, Buffer.from(value)]);
  const event = decodeConsumedEvent(
    { ...where, key: Buffer.from(record.key), value: Buffer.from(record.value), headers },
    2,
  );
  assert.equal(event.eventId, '7d9f3f4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f');
  assert.equal(event.aggregateId, 'user-1');
  assert.equal(event.type, eventTypes.UserCreated);
  assert.equal(event.occurredAt.toISOString(), '2026-03-04T05:06:07.089Z');
  assert.deepEqual([...event.payload], [1, 2, 3]);
  assert.equal(event.correlationId, 'saga-9');
  assert.deepEqual(event.traceHeaders, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
  assert.equal(event.headers.get('type'), eventTypes.UserCreated);
  assert.deepEqual(
    [event.topic, event.partition, event.offset, event.key, event.attempt],
    [topics.authEvents, 1, 12n, 'user-1', 2],
  );
});

test('no correlation id reads as undefined', () => {
  const record = encodeEvent({
    eventId: '7d9f3f4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
    aggregateId: 'user-1',
    type: eventTypes.UserDeleted,
    occurredAt: new Date(0),
    payload: new Uint8Array(),
  });
  const event = decodeConsumedEvent({ ...where, key: undefined, value: Buffer.from(record.value), headers: [] });
  assert.equal(event.correlationId, undefined);
  assert.equal(event.traceHeaders, undefined);
});

test('values that are not an envelope of the contract are undecodable', () => {
  const undecodable = [
    undefined,
    Buffer.alloc(0),
    Buffer.from('not a protobuf {'),
    // A valid protobuf EventEnvelope whose event_id is not a UUID.
    Buffer.from(
      encodeEvent({ eventId: 'abc', aggregateId: 'a', type: 't', occurredAt: new Date(), payload: new Uint8Array() })
        .value,
    ),
  ];
  for (const value of undecodable) {
    assert.throws(
      () => decodeConsumedEvent({ ...where, key: undefined, value, headers: [] }),
      UndecodableEventError,
      String(value),
    );
  }
});
