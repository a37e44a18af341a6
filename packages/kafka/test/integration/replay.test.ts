import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventTypes, topics } from '@notes/contracts/names';
import { testKafkaBrokers } from '@notes/testkit';
import type { ConsumedEvent, EventHandler } from '../../src/consumed-event.ts';
import { idempotentHandler } from '../../src/processed-events.ts';
import { effectCounts, kafkaSuite, newEvent, uniqueId, waitFor } from './support.ts';

const topic = topics.notesEvents;
const cli = join(import.meta.dirname, '..', '..', 'bin', 'replay-dlq.ts');

const suite = kafkaSuite(topic, { database: 'kafka_replay', watchDeadLetters: true });

/** Runs the replay CLI as an operator would; resolves with its exit code and output. */
function replayCli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, '--brokers', testKafkaBrokers(), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('a dead letter replayed after the fix is handled, once however often it is replayed', {
  timeout: 120_000,
}, async () => {
  const aggregateId = uniqueId('note');
  const group = uniqueId('test-replay');
  const event = newEvent(aggregateId, { type: eventTypes.NoteCreated });
  let fixed = false;
  const deliveries: ConsumedEvent[] = [];
  const effects = idempotentHandler({ pool: suite.db.pool, group }, async (delivered, tx) => {
    if (!fixed) throw new Error('the search index is down');
    await tx.query('INSERT INTO effects (event_id, aggregate_id, detail) VALUES ($1, $2, $3)', [
      delivered.eventId,
      delivered.aggregateId,
      delivered.headers.get('dlq.replayed_from_offset') ?? null,
    ]);
  });
  const handler: EventHandler = async (delivered) => {
    if (delivered.aggregateId !== aggregateId) return;
    try {
      await effects(delivered);
    } finally {
      deliveries.push(delivered);
    }
  };
  const consumer = suite.startConsumer({
    groupId: group,
    startAt: 'latest',
    retry: { attempts: 2, initialDelayMs: 5, maxDelayMs: 5 },
    handler,
  });
  try {
    await consumer.ready;
    await suite.producer.publish(topic, event);
    const deadLetter = await waitFor('the dead letter', () =>
      suite.dlq.seen.find((seen) => seen.info.consumerGroup === group && seen.header('event_id') === event.eventId),
    );
    assert.equal(deadLetter.header('dlq.error'), 'the search index is down');
    assert.deepEqual(await effectCounts(suite.db.pool, [event.eventId]), new Map());

    // A dry run changes nothing.
    const dryRun = await replayCli('--event-id', event.eventId, '--source-topic', topic, '--dry-run');
    assert.equal(dryRun.code, 0, dryRun.stderr);
    const dryLines = dryRun.stdout.trim().split('\n');
    assert.equal(dryLines.length, 1, dryRun.stdout);
    assert.match(
      dryLines[0] ?? '',
      new RegExp(`^dry-run  dlq:${deadLetter.partition}@${deadLetter.offset} -> ${topic} `),
    );

    // Reading from an offset of one partition: the dead letter is at its offset, not after it.
    const partition = String(deadLetter.partition);
    const from = await replayCli(
      '--event-id',
      event.eventId,
      '--partition',
      partition,
      '--from-offset',
      `${deadLetter.offset}`,
      '--dry-run',
    );
    assert.equal(from.stdout.trim().split('\n').length, 1, from.stdout);
    const past = await replayCli(
      '--event-id',
      event.eventId,
      '--partition',
      partition,
      '--from-offset',
      `${deadLetter.offset + 1n}`,
      '--dry-run',
    );
    assert.equal(past.code, 0, past.stderr);
    assert.equal(past.stdout, '');
    assert.match(past.stderr, /0 chosen/);

    fixed = true;
    const replay = await replayCli('--event-id', event.eventId, '--consumer-group', group);
    assert.equal(replay.code, 0, replay.stderr);
    const lines = replay.stdout.trim().split('\n');
    assert.equal(lines.length, 1, replay.stdout);
    assert.match(
      lines[0] ?? '',
      new RegExp(`^replayed dlq:${deadLetter.partition}@${deadLetter.offset} -> ${topic}:\\d+@\\d+ `),
    );
    assert.match(lines[0] ?? '', new RegExp(`event_id=${event.eventId} `));
    assert.match(replay.stderr, /1 chosen, 1 replayed/);

    await waitFor('the effect of the replay', async () =>
      (await effectCounts(suite.db.pool, [event.eventId])).get(event.eventId),
    );
    const replayed = deliveries.at(-1);
    assert.ok(replayed);
    assert.equal(replayed.headers.get('dlq.replayed_from_offset'), deadLetter.offset.toString());
    assert.equal(replayed.headers.get('dlq.replayed_from_partition'), String(deadLetter.partition));
    assert.equal(replayed.headers.get('dlq.error'), undefined, 'no dlq header of the dead letter');
    assert.equal(replayed.headers.get('type'), eventTypes.NoteCreated, 'the original headers');
    assert.equal(replayed.partition, deadLetter.info.sourcePartition, 'same key, same partition');

    // Replayed again by mistake: delivered, but the effect stays single.
    const delivered = deliveries.length;
    const again = await replayCli('--event-id', event.eventId, '--source-topic', topic);
    assert.equal(again.code, 0, again.stderr);
    await waitFor('the second replay', () => deliveries.length > delivered);
    assert.deepEqual(await effectCounts(suite.db.pool, [event.eventId]), new Map([[event.eventId, 1]]));
  } finally {
    await consumer.stop();
  }
});

test('the replay CLI refuses bad arguments', async () => {
  const result = await replayCli('--from-offset', 'soon');
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--from-offset must be a non-negative integer/);
  assert.match(result.stderr, /usage:/);
});
