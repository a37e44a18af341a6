import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topics } from '@notes/contracts/names';
import { murmur2 } from '@platformatic/kafka';
import type { ConsumedEvent, EventHandler } from '../../src/consumed-event.ts';
import type { EventConsumer } from '../../src/consumer-options.ts';
import type { Event } from '../../src/envelope.ts';
import { idempotentHandler, purgeProcessedEvents } from '../../src/processed-events.ts';
import { effectCounts, kafkaSuite, newEvent, uniqueId, waitFor } from './support.ts';

const topic = topics.authEvents;

const suite = kafkaSuite(topic, { database: 'kafka_idempotency' });

/** An idempotent handler that writes one effects row per event of the given aggregates, and counts deliveries. */
function effectsHandler(
  group: string,
  aggregates: ReadonlySet<string>,
  options: { delayMs?: number; beforeEffect?: (delivered: number) => Promise<void> } = {},
) {
  const delivered: ConsumedEvent[] = [];
  /** Every call of the handler with an event of aggregates, before its effect. */
  const handed: ConsumedEvent[] = [];
  const effects = idempotentHandler({ pool: suite.db.pool, group }, async (event, tx) => {
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    await options.beforeEffect?.(delivered.length);
    await tx.query('INSERT INTO effects (event_id, aggregate_id, detail) VALUES ($1, $2, $3)', [
      event.eventId,
      event.aggregateId,
      event.type,
    ]);
  });
  const handler: EventHandler = async (event) => {
    if (!aggregates.has(event.aggregateId)) return;
    handed.push(event);
    await effects(event);
    delivered.push(event);
  };
  return { handler, delivered, handed };
}

/** An aggregate id that the default partitioner puts on partition of a topic with partitions partitions. */
function aggregateOnPartition(partition: number, partitions: number): string {
  for (;;) {
    const aggregateId = uniqueId('user');
    if ((murmur2(Buffer.from(aggregateId)) >>> 0) % partitions === partition) return aggregateId;
  }
}

async function effectRows(aggregates: readonly string[]) {
  const { rows } = await suite.db.pool.query<{ event_id: string; aggregate_id: string }>(
    'SELECT event_id, aggregate_id FROM effects WHERE aggregate_id = ANY($1) ORDER BY seq',
    [aggregates],
  );
  return rows;
}

test('the same event delivered three times has its effect once', { timeout: 60_000 }, async () => {
  const aggregateId = uniqueId('user');
  const group = uniqueId('test-dedupe');
  const event = newEvent(aggregateId);
  const { handler, delivered } = effectsHandler(group, new Set([aggregateId]));
  const consumer = suite.startConsumer({
    groupId: group,
    startAt: 'latest',
    handler,
  });
  try {
    await consumer.ready;
    await suite.producer.publish(topic, event);
    await suite.producer.publish(topic, event);
    await suite.producer.publish(topic, event);
    await waitFor('three deliveries', () => delivered.length === 3);
    assert.deepEqual(
      delivered.map((d) => d.eventId),
      [event.eventId, event.eventId, event.eventId],
    );
    assert.equal(new Set(delivered.map((d) => d.offset)).size, 3, 'three distinct records');
    assert.deepEqual(await effectCounts(suite.db.pool, [event.eventId]), new Map([[event.eventId, 1]]));
    const { rows } = await suite.db.pool.query(
      'SELECT 1 FROM processed_events WHERE consumer_group = $1 AND event_id = $2',
      [group, event.eventId],
    );
    assert.equal(rows.length, 1);
  } finally {
    await consumer.stop();
  }
});

test('a group stopped and restarted mid-stream skips nothing and runs each effect once', {
  timeout: 90_000,
}, async () => {
  const group = uniqueId('test-restart');
  const aggregates = [uniqueId('user'), uniqueId('user'), uniqueId('user'), uniqueId('user')];
  const perAggregate = 10;
  // Interleaved: a0 e0, a1 e0, ..., a0 e1, ...; each aggregate's events must be handled in this order.
  const events: Event[] = [];
  for (let i = 0; i < perAggregate; i += 1) {
    for (const aggregateId of aggregates) events.push(newEvent(aggregateId, { type: `test.Step${i}` }));
  }
  const aggregateSet = new Set(aggregates);
  await suite.producer.publish(topic, ...events);

  const first = effectsHandler(group, aggregateSet, { delayMs: 30 });
  let consumer: EventConsumer = suite.startConsumer({
    groupId: group,
    handler: first.handler,
  });
  try {
    await waitFor('a third of the events', () => first.delivered.length >= events.length / 3);
    await consumer.stop();
    const handledBeforeStop = first.delivered.length;
    assert.ok(handledBeforeStop < events.length, `stopped mid-stream (${handledBeforeStop} of ${events.length})`);
    // The effects of exactly the deliveries that completed: the one in flight was finished, not abandoned.
    assert.equal((await effectRows(aggregates)).length, handledBeforeStop);

    const second = effectsHandler(group, aggregateSet);
    consumer = suite.startConsumer({ groupId: group, handler: second.handler });
    await waitFor('every event', async () => (await effectRows(aggregates)).length >= events.length);

    const rows = await effectRows(aggregates);
    assert.equal(rows.length, events.length, 'each effect once');
    assert.deepEqual(new Set(rows.map((row) => row.event_id)), new Set(events.map((event) => event.eventId)));
    for (const aggregateId of aggregates) {
      assert.deepEqual(
        rows.filter((row) => row.aggregate_id === aggregateId).map((row) => row.event_id),
        events.filter((event) => event.aggregateId === aggregateId).map((event) => event.eventId),
        'in order per aggregate',
      );
    }
    // The stop committed what it had handled: the restarted member got none of it again.
    const handledFirst = new Set(first.delivered.map((event) => event.eventId));
    assert.deepEqual(
      second.delivered.filter((event) => handledFirst.has(event.eventId)).map((event) => event.eventId),
      [],
    );
  } finally {
    await consumer.stop();
  }
});

test('a member joining mid-stream (rebalance) loses nothing and duplicates no effect', {
  timeout: 90_000,
}, async () => {
  const group = uniqueId('test-rebalance');
  // Two aggregates on each of the 3 partitions, so the joining member surely gets some of them.
  const aggregates = [0, 1, 2].flatMap((partition) => [
    aggregateOnPartition(partition, 3),
    aggregateOnPartition(partition, 3),
  ]);
  const events: Event[] = [];
  for (let i = 0; i < 8; i += 1) for (const aggregateId of aggregates) events.push(newEvent(aggregateId));
  await suite.producer.publish(topic, ...events);

  // The first member holds its handlers (and their transactions) open until the second has joined:
  // the rebalance takes partitions away while messages of them are in flight.
  const joined = Promise.withResolvers<void>();
  const aggregateSet = new Set(aggregates);
  const one = effectsHandler(group, aggregateSet, {
    beforeEffect: async (delivered) => {
      if (delivered >= 5) await joined.promise;
    },
  });
  const two = effectsHandler(group, aggregateSet);
  const first = suite.startConsumer({ groupId: group, handler: one.handler });
  let second: EventConsumer | undefined;
  try {
    await waitFor('some events', () => one.delivered.length >= 5);
    second = suite.startConsumer({ groupId: group, handler: two.handler });
    await second.ready;
    // Under the consumer protocol the second member is ready before it has partitions: they move
    // to it once the first has given them up, at its next heartbeat. The first holds on until then.
    await waitFor('the second member reading', () => two.handed.length > 0);
    joined.resolve();
    await waitFor('every event', async () => (await effectRows(aggregates)).length >= events.length, 60_000);
    const rows = await effectRows(aggregates);
    assert.equal(rows.length, events.length, 'each effect once');
    for (const aggregateId of aggregates) {
      assert.deepEqual(
        rows.filter((row) => row.aggregate_id === aggregateId).map((row) => row.event_id),
        events.filter((event) => event.aggregateId === aggregateId).map((event) => event.eventId),
        'in order per aggregate',
      );
    }
    assert.ok(two.delivered.length > 0, 'the second member took over partitions');
  } finally {
    joined.resolve();
    await Promise.all([first.stop(), second?.stop()]);
  }
});

test('purging forgets processed events older than the window, in batches', async () => {
  const group = uniqueId('test-purge');
  await suite.db.pool.query(
    `INSERT INTO processed_events (consumer_group, event_id, processed_at)
     SELECT $1, gen_random_uuid(), now() - interval '20 days' FROM generate_series(1, 25)`,
    [group],
  );
  await suite.db.pool.query(
    `INSERT INTO processed_events (consumer_group, event_id, processed_at)
     SELECT $1, gen_random_uuid(), now() - interval '1 day' FROM generate_series(1, 3)`,
    [group],
  );
  const fourteenDays = 14 * 24 * 60 * 60 * 1000;
  assert.equal(await purgeProcessedEvents(suite.db.pool, fourteenDays, 10), 25);
  const { rows } = await suite.db.pool.query(
    'SELECT count(*)::int AS n FROM processed_events WHERE consumer_group = $1',
    [group],
  );
  assert.equal(rows[0].n, 3);
  await assert.rejects(purgeProcessedEvents(suite.db.pool, 0), /positive/);
});
