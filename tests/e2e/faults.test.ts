// The short form of make chaos (tests/faults/scenarios/) on a platform with three Kafka nodes of
// its own: each scenario injects its fault and must meet its pass condition. The broker-leader
// scenarios run in broker-failover.test.ts; PostgreSQL paused only in make chaos (the e2e tier's
// server is shared with the files running beside this one), and a member of three restarting
// only there (its measure needs the minute of make chaos).

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

for (const name of [
  'broker paused',
  'relay killed between publish and mark',
  'consumer killed between effect and commit',
  'orchestrator killed mid-saga',
  'two orchestrators resuming the same sagas',
  'auth.UserCreated redelivered',
  'poison message on each consumed topic',
  'consumer churn',
]) {
  const scenario = scenarioNamed(name);
  test(`${name}: ${scenario.passCondition}`, async () => {
    const observation = await scenario.run(context, 'short');
    assert.deepEqual(observation.problems, []);
    assert.ok(observation.requests > 0);
  });
}
