// A relay dies in the middle of a batch: part of it is on Kafka, none of it is marked sent. The
// next relay publishes the whole batch again: every event arrives (some twice), in order.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { testKafkaBrokers } from '@notes/testkit';
import {
  commitEvents,
  firstArrivalOrder,
  noteUpdated,
  outboxSuite,
  relayUntilArrived,
  sleep,
  uniquePrefix,
} from './helpers.ts';

const children = new Set<ChildProcess>();
// Registered before the fixture's: the relays this file spawns die before their database goes.
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

const suite = outboxSuite('crash');

/** aggregates × versions events, committed version by version (each aggregate in order). */
async function commitWorkload(prefix: string, aggregates: number, versions: number): Promise<string[]> {
  const ids: string[] = [];
  for (let version = 1; version <= versions; version += 1) {
    const events = Array.from({ length: aggregates }, (_, i) => noteUpdated(`${prefix}${i}`, version));
    ids.push(...events.map((event) => event.eventId));
    // Several events per transaction, as a use case touching several aggregates would.
    for (let start = 0; start < events.length; start += 10)
      await commitEvents(suite.db.pool, events.slice(start, start + 10));
  }
  return ids;
}

function assertInOrder(received: Parameters<typeof firstArrivalOrder>[0], aggregates: number, versions: number): void {
  const order = firstArrivalOrder(received);
  assert.equal(order.size, aggregates);
  for (const [aggregateId, seen] of order) {
    assert.deepEqual(
      seen,
      Array.from({ length: versions }, (_, i) => i + 1),
      `order of ${aggregateId}`,
    );
  }
}

async function unsentCount(prefix: string): Promise<number> {
  const { rows } = await suite.db.pool.query<{ count: string }>(
    'SELECT count(*) FROM outbox WHERE sent_at IS NULL AND aggregate_id LIKE $1',
    [`${prefix}%`],
  );
  return Number(rows[0]?.count);
}

test('a producer that fails after sending part of a batch: the batch is published again, nothing is lost', {
  timeout: 60_000,
}, async () => {
  const prefix = uniquePrefix('partial');
  const collector = await suite.collect(prefix);
  const ids = await commitWorkload(prefix, 10, 30);
  let failures = 0;
  const crashing = suite.relay({
    producer: {
      // Sends the first half of the batch, then "dies" before the rows are marked sent.
      publish: async (topic, events) => {
        await suite.producer.publish(topic, events.slice(0, Math.ceil(events.length / 2)));
        failures += 1;
        throw new Error('relay died mid-batch');
      },
    },
    batchSize: 50,
    backoff: { initialMs: 10, maxMs: 20 },
  });
  await crashing.start();
  while (failures < 3) await sleep(10);
  await crashing.stop();
  assert.equal(await unsentCount(prefix), ids.length, 'a failed batch stays unsent');

  const relay = suite.relay({ batchSize: 50 });
  await relayUntilArrived(relay, collector, ids, 30_000);
  assert.ok(collector.received.length > ids.length, 'the half-sent batch went out twice');
  assertInOrder(collector.received, 10, 30);
});

test('a relay process killed (SIGKILL) while relaying: a new relay publishes everything', {
  timeout: 90_000,
}, async () => {
  const prefix = uniquePrefix('killed');
  const collector = await suite.collect(prefix);
  const ids = await commitWorkload(prefix, 50, 60);

  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, '..', '..', 'bin', 'relay.ts'), '--batch-size', '10', '--poll-interval-ms', '100'],
    {
      env: { ...process.env, OUTBOX_DB_DSN: suite.db.url, KAFKA_BROKERS: testKafkaBrokers(), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // Kill it once it has marked some rows sent, while others are still waiting.
  for (let i = 0; ; i += 1) {
    const unsent = await unsentCount(prefix);
    if (unsent < ids.length) break;
    assert.ok(i < 1_000 && child.exitCode === null, `the relay process published nothing: ${stderr}`);
    await sleep(10);
  }
  child.kill('SIGKILL');
  await once(child, 'exit');
  children.delete(child);
  const leftUnsent = await unsentCount(prefix);
  assert.ok(leftUnsent > 0, 'killed before it was done');

  const relay = suite.relay();
  // Kafka has a batch a moment before the relay commits sent_at: the stop once all arrived waits for that.
  await relayUntilArrived(relay, collector, ids, 60_000);
  assertInOrder(collector.received, 50, 60);
  assert.equal(await unsentCount(prefix), 0);
});
