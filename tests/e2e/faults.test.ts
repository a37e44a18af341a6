// The short form of make chaos (tests/faults/scenarios/) on a platform with three Kafka nodes of
// its own: each scenario injects its fault and must meet its pass condition. The broker-leader
// scenarios run in broker-failover.test.ts; PostgreSQL paused only in make chaos (the e2e tier's
// server is shared with the files running beside this one).

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
  'orchestrator killed mid-saga',
  'auth.UserCreated redelivered',
  'poison message on each consumed topic',
]) {
  const scenario = scenarioNamed(name);
  test(`${name}: ${scenario.passCondition}`, async () => {
    const observation = await scenario.run(context, 'short');
    assert.deepEqual(observation.problems, []);
    assert.ok(observation.requests > 0);
  });
}
