// The platform on three Kafka nodes (three replicas, min.insync.replicas=2, producers acks=all and
// idempotent) loses the node that leads the partitions in use: in the middle of a stream of
// sign-ups and note writes, and again while sagas wait for their replies. Every event arrives,
// in order per aggregate, and every saga completes (the first scenarios of make chaos, short).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningFaultContext, startFaultContext } from '../faults/context.ts';
import { scenarioNamed } from '../faults/scenarios/index.ts';

let context: RunningFaultContext;

before(async () => {
  context = await startFaultContext();
});

after(async () => {
  await context?.close();
});

test('the leader of auth.events and notes.events killed mid-stream: every event delivered in order, every saga completed', async () => {
  const observation = await scenarioNamed('broker leader killed').run(context, 'short');
  assert.deepEqual(observation.problems, []);
  assert.ok(observation.expectedEvents > 0 && observation.sagas > 0);
});

test('the leader of saga.commands and saga.replies killed while sagas wait for their replies: every saga completes', async () => {
  const observation = await scenarioNamed('broker leader killed while sagas wait').run(context, 'short');
  assert.deepEqual(observation.problems, []);
  assert.ok(observation.sagas > 0);
});
