import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { eventTypes } from '@notes/contracts/names';
import { withTransaction } from '@notes/postgres';
import { appendToOutbox, createOutboxNotifier } from '../../src/index.ts';
import { allArrived, commitEvents, noteUpdated, outboxSuite, sleep, topic, uniquePrefix } from './helpers.ts';

const suite = outboxSuite('publish');

test('events of a committed transaction are published once, as the contract says; a rolled-back one publishes nothing', {
  timeout: 60_000,
}, async () => {
  const prefix = uniquePrefix('publish');
  const collector = await suite.collect(prefix);
  const relay = suite.relay();
  const notifier = createOutboxNotifier(suite.db.pool, { relay });
  await relay.start();
  try {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const first = [
      noteUpdated(`${prefix}a`, 1, {
        correlationId: `saga-${randomUUID()}`,
        traceHeaders: { traceparent, tracestate: 'x=1' },
      }),
      noteUpdated(`${prefix}b`, 1),
    ];
    await commitEvents(suite.db.pool, first);
    notifier.afterCommit();

    const rolledBack = [noteUpdated(`${prefix}a`, 2), noteUpdated(`${prefix}c`, 1)];
    await assert.rejects(
      withTransaction(suite.db.pool, async (tx) => {
        await appendToOutbox(tx, topic, rolledBack);
        throw new Error('the business rule failed');
      }),
      /the business rule failed/,
    );

    const last = [noteUpdated(`${prefix}a`, 2)];
    await commitEvents(suite.db.pool, last);
    notifier.afterCommit();

    const committed = [...first, ...last];
    await collector.waitFor(allArrived(committed.map((event) => event.eventId)), 30_000);
    // The rolled-back events were never in the table; the last committed one arrived after
    // the moment they would have: nothing of them can still come.
    const ids = collector.received.map((message) => message.envelope.eventId);
    assert.deepEqual(ids.toSorted(), committed.map((event) => event.eventId).toSorted(), 'each committed event once');
    for (const event of rolledBack) assert.ok(!ids.includes(event.eventId));

    for (const event of committed) {
      const message = collector.received.find((m) => m.envelope.eventId === event.eventId);
      assert.ok(message);
      assert.equal(message.key, event.aggregateId);
      assert.equal(message.envelope.aggregateId, event.aggregateId);
      assert.equal(message.envelope.type, eventTypes.NoteUpdated);
      assert.equal(message.envelope.occurredAt, BigInt(event.occurredAt.getTime()));
      assert.deepEqual(new Uint8Array(message.envelope.payload), event.payload);
      assert.equal(message.envelope.correlationId, event.correlationId ?? '');
      const expectedHeaders: Record<string, string> = { event_id: event.eventId, type: eventTypes.NoteUpdated };
      if (event.correlationId) expectedHeaders.correlation_id = event.correlationId;
      Object.assign(expectedHeaders, event.traceHeaders);
      assert.deepEqual(Object.fromEntries(message.headers), expectedHeaders);
    }
    // One aggregate, one partition.
    const partitionsOfA = new Set(collector.received.filter((m) => m.key === `${prefix}a`).map((m) => m.partition));
    assert.equal(partitionsOfA.size, 1);

    // Kafka has the events a moment before the relay commits sent_at: stop() waits for that.
    await relay.stop();
    const { rows } = await suite.db.pool.query<{ unsent: string }>(
      'SELECT count(*) FILTER (WHERE sent_at IS NULL) AS unsent FROM outbox WHERE aggregate_id LIKE $1',
      [`${prefix}%`],
    );
    assert.equal(rows[0]?.unsent, '0');
  } finally {
    await relay.stop();
    await notifier.close();
  }
});

test('a NOTIFY after commit wakes a relay of another process at once, long before its poll', {
  timeout: 60_000,
}, async () => {
  const prefix = uniquePrefix('notify');
  const collector = await suite.collect(prefix);
  // A relay that would poll only every 10 minutes: only LISTEN/NOTIFY can wake it in time.
  const relay = suite.relay({ pollIntervalMs: 600_000 });
  // The writer's notifier knows no relay: as in a process that runs none.
  const notifier = createOutboxNotifier(suite.db.pool);
  await relay.start();
  // Let the relay finish the look it takes at start and fall asleep.
  await sleep(500);
  try {
    const events = [noteUpdated(`${prefix}a`, 1)];
    await commitEvents(suite.db.pool, events);
    notifier.afterCommit();
    await collector.waitFor(allArrived(events.map((event) => event.eventId)), 30_000);
  } finally {
    await relay.stop();
    await notifier.close();
  }
});
