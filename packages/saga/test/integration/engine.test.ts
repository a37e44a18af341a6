// The engine against a real PostgreSQL: what one transition writes (saga row, history, command in
// the outbox), replies applied once, deadlines driven by concurrent scanners, resuming after a restart.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { topics } from '@notes/contracts/names';
import { type ConsumedEvent, type Event, processedEventsMigrations } from '@notes/kafka';
import { createLogger } from '@notes/logger';
import { outboxMigrations } from '@notes/outbox';
import { createPool, migrate, type Pool } from '@notes/postgres';
import { inSpan } from '@notes/telemetry';
import { startInMemoryTracing } from '@notes/telemetry/testing';
import { createTestDatabase, type TestDatabase } from '@notes/testkit';
import { trace } from '@opentelemetry/api';
import {
  createSagaEngine,
  type SagaDefinition,
  type SagaEngine,
  SagaNotFound,
  type SagaStateChange,
  SagaStateConflict,
  sagaMigrations,
  stepReplyEvent,
} from '../../src/index.ts';

const command = (type: string) => () => ({ type, payload: new Uint8Array() });
const twoSteps: SagaDefinition = {
  type: 'TwoStepSaga',
  steps: [
    { name: 'first', command: command('saga.First'), compensation: command('saga.UndoFirst') },
    { name: 'second', command: command('saga.Second') },
  ],
};
/** A service's rule in the test: one of these per user (a unique index, as services declare it). */
const onePerUser: SagaDefinition = { type: 'OnePerUserSaga', steps: [{ name: 'only', command: command('saga.Only') }] };
const group = 'saga-engine-test';
const stepTimeoutMs = 1_000;

const databases: TestDatabase[] = [];
const pools: Pool[] = [];

after(async () => {
  for (const pool of pools) await pool.end().catch(() => undefined);
  for (const database of databases) await database.drop();
});

function newPool(url: string): Pool {
  const pool = createPool({ dsn: url, maxConnections: 4, applicationName: 'saga-engine-test' });
  pools.push(pool);
  return pool;
}

/** A database of the test's own with the engine's tables (and those it writes to). */
async function newDatabase(): Promise<string> {
  const database = await createTestDatabase('saga_engine');
  databases.push(database);
  const pool = newPool(database.url);
  for (const set of [sagaMigrations, outboxMigrations, processedEventsMigrations]) {
    await migrate({ pool, direction: 'up', ...set });
  }
  await pool.query(`CREATE UNIQUE INDEX one_per_user ON sagas (user_id) WHERE type = '${onePerUser.type}'`);
  return database.url;
}

/** An engine on a pool of its own with a clock the test moves, recording what it reports. */
function newEngine(url: string, clock = { now: new Date('2026-11-23T10:00:00.000Z') }) {
  const pool = newPool(url);
  const changes: SagaStateChange[] = [];
  let wakeUps = 0;
  const engine = createSagaEngine({
    pool,
    definitions: [twoSteps, onePerUser],
    settings: { stepTimeoutMs, maxAttempts: 3 },
    afterCommit: () => {
      wakeUps += 1;
    },
    onStateChange: (change) => changes.push(change),
    logger: createLogger({ service: 'saga-engine-test', level: 'silent' }),
    clock: { now: () => clock.now },
  });
  return { engine, pool, clock, changes, wakeUps: () => wakeUps };
}

async function commandsOf(pool: Pool, sagaId: string) {
  const { rows } = await pool.query<{ id: string; type: string; correlation_id: string; topic: string }>(
    'SELECT id, type, correlation_id, topic FROM outbox WHERE aggregate_id = $1 ORDER BY seq',
    [sagaId],
  );
  return rows;
}

function consumed(event: Event, topic: string): ConsumedEvent {
  return { ...event, topic, partition: 0, offset: 0n, key: event.aggregateId, headers: new Map(), attempt: 1 };
}

/** The StepReply event a participant would publish to the saga's current command. */
async function replyTo(engine: SagaEngine, sagaId: string, outcome: { succeeded: boolean; reason?: string }) {
  const { saga } = await engine.get(sagaId);
  assert.ok(saga.currentCommandId, 'a command is awaited');
  const command = { eventId: saga.currentCommandId, aggregateId: sagaId, correlationId: sagaId, type: 'saga.X' };
  const reply = stepReplyEvent(command, outcome, { eventId: randomUUID(), occurredAt: new Date() });
  return consumed(reply, topics.sagaReplies);
}

const ignoreStarts = () => undefined;

describe('starting a saga', () => {
  test('writes the saga, its history and its first command to the outbox in one transaction', async () => {
    const { engine, pool, changes, wakeUps } = newEngine(await newDatabase());
    const userId = randomUUID();
    const { saga, started } = await engine.start({ type: twoSteps.type, userId, payload: { source: 'test' } });

    assert.equal(started, true);
    assert.equal(saga.state, 'RUNNING');
    assert.equal(saga.step, 'first');
    const commands = await commandsOf(pool, saga.id);
    assert.deepEqual(
      commands.map(({ id, type, correlation_id, topic }) => ({ id, type, correlation_id, topic })),
      [{ id: saga.currentCommandId, type: 'saga.First', correlation_id: saga.id, topic: topics.sagaCommands }],
    );
    const stored = await engine.get(saga.id);
    assert.deepEqual(stored.saga, saga);
    assert.deepEqual(stored.saga.payload, { source: 'test' });
    assert.deepEqual(
      stored.history.map((entry) => [entry.step, entry.event]),
      [['first', 'command_sent']],
    );
    assert.equal(wakeUps(), 1, 'the outbox is woken after the commit');
    assert.deepEqual(
      changes.map((change) => [change.from, change.saga.state]),
      [[undefined, 'RUNNING']],
    );
  });

  test("a service's unique index makes a second start return the first saga, without another command", async () => {
    const { engine, pool } = newEngine(await newDatabase());
    const userId = randomUUID();
    const first = await engine.start({ type: onePerUser.type, userId });
    const again = await Promise.all([1, 2, 3].map(() => engine.start({ type: onePerUser.type, userId })));
    assert.ok(again.every(({ saga, started }) => saga.id === first.saga.id && !started));
    const { rows } = await pool.query('SELECT id FROM sagas WHERE user_id = $1', [userId]);
    assert.equal(rows.length, 1);
    assert.equal((await commandsOf(pool, first.saga.id)).length, 1);
  });

  test('an event that starts a saga does it once, however often it is delivered', async () => {
    const { engine, pool } = newEngine(await newDatabase());
    const userId = randomUUID();
    const handler = engine.consumerHandler({
      group,
      startFor: (event) => (event.type === 'test.UserCreated' ? { type: twoSteps.type, userId } : undefined),
    });
    const created = consumed(
      {
        eventId: randomUUID(),
        aggregateId: userId,
        type: 'test.UserCreated',
        occurredAt: new Date(),
        payload: new Uint8Array(),
      },
      topics.authEvents,
    );
    const other = { ...created, eventId: randomUUID(), type: 'test.UserDeleted' };
    for (const event of [created, created, other, created]) await handler(event);
    const { rows } = await pool.query('SELECT type FROM sagas WHERE user_id = $1', [userId]);
    assert.deepEqual(rows, [{ type: twoSteps.type }]);
  });
});

describe('replies', () => {
  test('move the saga on once per reply event; stale, unknown and undecodable ones change nothing', async () => {
    const { engine, pool } = newEngine(await newDatabase());
    const handle = engine.consumerHandler({ group, startFor: ignoreStarts });
    const { saga } = await engine.start({ type: twoSteps.type, userId: randomUUID() });

    const firstDone = await replyTo(engine, saga.id, { succeeded: true });
    await handle(firstDone);
    await handle(firstDone); // redelivered
    const afterFirst = await engine.get(saga.id);
    assert.equal(afterFirst.saga.step, 'second');
    assert.equal(afterFirst.history.filter((entry) => entry.event === 'succeeded').length, 1, 'applied once');

    // The same answer to the first command again, under a new event id: stale now.
    await handle({ ...firstDone, eventId: randomUUID() });
    const strangers = { ...firstDone, eventId: randomUUID(), aggregateId: randomUUID(), correlationId: undefined };
    await handle(strangers);
    await handle({ ...firstDone, eventId: randomUUID(), payload: new Uint8Array([0xff, 0xff]) });
    await handle({ ...firstDone, eventId: randomUUID(), type: 'saga.SomethingElse' });
    const unchanged = await engine.get(saga.id);
    assert.deepEqual(unchanged.saga, afterFirst.saga);
    assert.equal(unchanged.history.at(-1)?.event, 'stale_reply');

    await handle(await replyTo(engine, saga.id, { succeeded: true }));
    const done = await engine.get(saga.id);
    assert.equal(done.saga.state, 'COMPLETED');
    assert.deepEqual(
      done.history.map((entry) => entry.event),
      ['command_sent', 'succeeded', 'command_sent', 'stale_reply', 'succeeded', 'saga_completed'],
    );
    assert.deepEqual(
      (await commandsOf(pool, saga.id)).map((row) => row.type),
      ['saga.First', 'saga.Second'],
    );
  });
});

describe('deadlines', () => {
  test('two scanners running at once never send the same re-send twice', async () => {
    const url = await newDatabase();
    const first = newEngine(url);
    const second = newEngine(url, first.clock);
    const sagas = await Promise.all(
      Array.from({ length: 40 }, () => first.engine.start({ type: twoSteps.type, userId: randomUUID() })),
    );
    first.clock.now = new Date(first.clock.now.getTime() + stepTimeoutMs);

    const processed = await Promise.all([
      first.engine.processDueSagas(7),
      second.engine.processDueSagas(7),
      first.engine.processDueSagas(100),
      second.engine.processDueSagas(100),
    ]);
    assert.equal(
      processed.reduce((sum, count) => sum + count, 0),
      40,
    );
    for (const { saga } of sagas) {
      const commands = await commandsOf(first.pool, saga.id);
      assert.deepEqual(
        commands.map((row) => row.type),
        ['saga.First', 'saga.First'],
        'one re-send',
      );
      assert.notEqual(commands[0]?.id, commands[1]?.id, 'under a new command id');
      const { saga: stored } = await first.engine.get(saga.id);
      assert.equal(stored.attempts, 2);
      assert.equal(stored.currentCommandId, commands[1]?.id);
    }
    assert.equal(await first.engine.processDueSagas(), 0, 'nothing due until the longer deadline');
  });

  test('after a restart every unfinished saga resumes from its stored state', async () => {
    const url = await newDatabase();
    const before = newEngine(url);
    const finished = await before.engine.start({ type: twoSteps.type, userId: randomUUID() });
    const waiting = await before.engine.start({ type: twoSteps.type, userId: randomUUID() });
    const handleBefore = before.engine.consumerHandler({ group, startFor: ignoreStarts });
    await handleBefore(await replyTo(before.engine, finished.saga.id, { succeeded: true }));
    await handleBefore(await replyTo(before.engine, finished.saga.id, { succeeded: true }));
    await before.pool.end(); // the process is gone; its state is in the database

    // A new process, later: the unanswered command is sent again and the saga goes on from there.
    const later = newEngine(url, { now: new Date(before.clock.now.getTime() + 60_000) });
    assert.equal(await later.engine.processDueSagas(), 1);
    const resumed = await later.engine.get(waiting.saga.id);
    assert.equal(resumed.saga.step, 'first');
    assert.equal(resumed.saga.attempts, 2);
    const handleLater = later.engine.consumerHandler({ group, startFor: ignoreStarts });
    await handleLater(await replyTo(later.engine, waiting.saga.id, { succeeded: true }));
    await handleLater(await replyTo(later.engine, waiting.saga.id, { succeeded: true }));
    assert.equal((await later.engine.get(waiting.saga.id)).saga.state, 'COMPLETED');
    assert.equal((await later.engine.get(finished.saga.id)).saga.state, 'COMPLETED');
  });

  test('a step that never answers compensates, and the state changes are reported after each commit', async () => {
    const { engine, clock, changes, pool } = newEngine(await newDatabase());
    const { saga } = await engine.start({ type: twoSteps.type, userId: randomUUID() });
    for (let scan = 0; scan < 3; scan += 1) {
      const { saga: current } = await engine.get(saga.id);
      clock.now = current.deadlineAt ?? clock.now;
      await engine.processDueSagas();
    }
    const { saga: compensating } = await engine.get(saga.id);
    assert.equal(compensating.state, 'COMPENSATING');
    assert.equal(compensating.failureReason, 'first: no reply after 3 attempts');
    assert.deepEqual(
      (await commandsOf(pool, saga.id)).map((row) => row.type),
      ['saga.First', 'saga.First', 'saga.First', 'saga.UndoFirst'],
    );
    assert.deepEqual(
      changes.filter((change) => change.saga.id === saga.id).map((change) => [change.from, change.saga.state]),
      [
        [undefined, 'RUNNING'],
        ['RUNNING', 'COMPENSATING'],
      ],
    );
  });
});

describe('operators', () => {
  test('list by state and type, get with history, retry a FAILED saga, cancel a RUNNING one', async () => {
    const { engine } = newEngine(await newDatabase());
    const handle = engine.consumerHandler({ group, startFor: ignoreStarts });
    const refused = await engine.start({ type: onePerUser.type, userId: randomUUID() });
    await handle(await replyTo(engine, refused.saga.id, { succeeded: false, reason: 'not today' }));
    const running = await engine.start({ type: twoSteps.type, userId: randomUUID() });

    const failed = await engine.list({ state: 'FAILED', type: onePerUser.type, limit: 500 });
    assert.ok(failed.some((saga) => saga.id === refused.saga.id));
    assert.ok(failed.every((saga) => saga.state === 'FAILED' && saga.type === onePerUser.type));
    const newest = await engine.list({ limit: 1 });
    assert.equal(newest[0]?.id, running.saga.id, 'newest first');

    await assert.rejects(engine.cancel(refused.saga.id), SagaStateConflict);
    await assert.rejects(engine.retry(running.saga.id), SagaStateConflict);
    await assert.rejects(engine.get(randomUUID()), SagaNotFound);
    await assert.rejects(engine.retry(randomUUID()), SagaNotFound);

    const retried = await engine.retry(refused.saga.id);
    assert.equal(retried.saga.state, 'RUNNING');
    assert.equal(retried.saga.attempts, 1);
    assert.deepEqual(
      retried.history.map((entry) => entry.event),
      ['command_sent', 'failed', 'saga_failed', 'retried', 'command_sent'],
    );
    await handle(await replyTo(engine, refused.saga.id, { succeeded: true }));
    assert.equal((await engine.get(refused.saga.id)).saga.state, 'COMPLETED');

    const cancelled = await engine.cancel(running.saga.id);
    assert.equal(cancelled.saga.state, 'COMPENSATING');
    assert.equal(cancelled.saga.failureReason, 'cancelled by an operator');
    await handle(await replyTo(engine, running.saga.id, { succeeded: true }));
    assert.equal((await engine.get(running.saga.id)).saga.state, 'COMPENSATED');
  });
});

describe('tracing', () => {
  test('a transition is a span its command carries on; a deadline starts a new trace linked to it', async () => {
    const tracing = startInMemoryTracing();
    try {
      const { engine, pool, clock } = newEngine(await newDatabase());
      const { saga } = await inSpan(trace.getTracer('test'), 'the call', {}, () =>
        engine.start({ type: twoSteps.type, userId: randomUUID() }),
      );
      const call = tracing.spans().find((span) => span.name === 'the call');
      const [started] = tracing.spans().filter((span) => span.name === 'saga TwoStepSaga first');
      assert.ok(call && started);
      assert.equal(started.spanContext().traceId, call.spanContext().traceId, 'the transition is part of the call');
      assert.equal(started.attributes['saga.id'], saga.id);

      clock.now = new Date(clock.now.getTime() + stepTimeoutMs);
      assert.equal(await engine.processDueSagas(), 1);
      const resent = tracing.spans().filter((span) => span.name === 'saga TwoStepSaga first')[1];
      assert.ok(resent, 'the re-send is a span too');
      assert.equal(resent.parentSpanContext, undefined, 'a trace of its own');
      assert.notEqual(resent.spanContext().traceId, call.spanContext().traceId);
      assert.equal(resent.links[0]?.context.spanId, started.spanContext().spanId, 'linked to the transition before');

      // Each command's outbox row carries the context of the transition that wrote it.
      const { rows } = await pool.query<{ trace_headers: { traceparent: string } }>(
        'SELECT trace_headers FROM outbox WHERE aggregate_id = $1 ORDER BY seq',
        [saga.id],
      );
      assert.deepEqual(
        rows.map((row) => row.trace_headers.traceparent.split('-')[2]),
        [started.spanContext().spanId, resent.spanContext().spanId],
      );
    } finally {
      await tracing.stop();
    }
  });
});
