import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventTypes, topics } from '@notes/contracts/names';
import {
  type ConsumedRecord,
  deadLetterRecord,
  dlqHeaders,
  errorMessage,
  maxDlqErrorLength,
  type RawHeader,
  readDeadLetterHeaders,
  replayRecord,
} from '../../src/dlq.ts';

const text = (headers: RawHeader[]) => headers.map(([name, value]) => [name, value.toString('utf8')]);

const source: ConsumedRecord = {
  topic: topics.notesEvents,
  partition: 2,
  offset: 41n,
  key: Buffer.from('note-1'),
  value: Buffer.from([0, 1, 2, 255]),
  headers: [
    ['event_id', Buffer.from('2f1c8f8e-4a0b-4c39-9d8e-0c4b3f0c1a11')],
    ['type', Buffer.from(eventTypes.NoteCreated)],
    ['traceparent', Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')],
  ],
};

test('a dead letter keeps the key, value and headers and adds every dlq header', () => {
  const failedAt = new Date('2026-01-02T03:04:05.678Z');
  const record = deadLetterRecord(source, {
    consumerGroup: 'search-indexer',
    error: new Error('database is down'),
    attempts: 5,
    failedAt,
  });
  assert.equal(record.key, source.key);
  assert.equal(record.value, source.value);
  assert.deepEqual(text(record.headers), [
    ['event_id', '2f1c8f8e-4a0b-4c39-9d8e-0c4b3f0c1a11'],
    ['type', eventTypes.NoteCreated],
    ['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
    ['dlq.source_topic', topics.notesEvents],
    ['dlq.source_partition', '2'],
    ['dlq.source_offset', '41'],
    ['dlq.consumer_group', 'search-indexer'],
    ['dlq.error', 'database is down'],
    ['dlq.attempts', '5'],
    ['dlq.failed_at', '2026-01-02T03:04:05.678Z'],
  ]);
  assert.deepEqual(readDeadLetterHeaders(record.headers), {
    sourceTopic: topics.notesEvents,
    sourcePartition: 2,
    sourceOffset: 41n,
    consumerGroup: 'search-indexer',
    error: 'database is down',
    attempts: 5,
    failedAt,
  });
});

test('dlq.error is the message only: no stack, one line, truncated', () => {
  const error = new Error(`first line\n    second line ${'x'.repeat(2000)}`);
  const message = errorMessage(error);
  assert.ok(message.startsWith('first line second line xxx'));
  assert.equal(message.length, maxDlqErrorLength);
  assert.ok(message.endsWith('…'));
  assert.doesNotMatch(message, /\bat \S+ \(/);
  assert.equal(errorMessage('plain string'), 'plain string');
  assert.equal(errorMessage({ toString: () => 'an object' }), 'an object');
  assert.equal(errorMessage(new TypeError('')), 'TypeError');
});

test('a replayed record that fails again gets fresh dlq headers, not a second set', () => {
  const first = deadLetterRecord(source, { consumerGroup: 'g', error: 'boom', attempts: 5, failedAt: new Date(0) });
  const replayed = replayRecord(first, { partition: 1, offset: 7n });
  const again = deadLetterRecord(
    { ...source, headers: replayed.headers, offset: 99n },
    { consumerGroup: 'g', error: 'boom again', attempts: 3, failedAt: new Date(1000) },
  );
  const names = again.headers.map(([name]) => name);
  assert.equal(names.filter((name) => name === dlqHeaders.error).length, 1);
  assert.equal(names.filter((name) => name === dlqHeaders.replayedFromOffset).length, 1);
  const info = readDeadLetterHeaders(again.headers);
  assert.equal(info.error, 'boom again');
  assert.equal(info.sourceOffset, 99n);
});

test('a replay restores the original headers, without dlq ones, and says where it came from', () => {
  const deadLetter = deadLetterRecord(source, { consumerGroup: 'g', error: 'x', attempts: 1, failedAt: new Date() });
  const replayed = replayRecord(deadLetter, { partition: 1, offset: 7n });
  assert.equal(replayed.key, source.key);
  assert.equal(replayed.value, source.value);
  assert.deepEqual(text(replayed.headers), [
    ...text(source.headers),
    ['dlq.replayed_from_offset', '7'],
    ['dlq.replayed_from_partition', '1'],
  ]);
});

test('missing or malformed dlq headers read as undefined', () => {
  const info = readDeadLetterHeaders([
    ['dlq.source_partition', Buffer.from('two')],
    ['dlq.failed_at', Buffer.from('yesterday')],
  ]);
  assert.deepEqual(info, {
    sourceTopic: undefined,
    sourcePartition: undefined,
    sourceOffset: undefined,
    consumerGroup: undefined,
    error: undefined,
    attempts: undefined,
    failedAt: undefined,
  });
});
