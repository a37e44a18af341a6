// The fault scenarios of `make chaos` (full size) and of the e2e tier (short size), in the order
// make chaos runs them: each injects one fault into the platform running on three Kafka nodes,
// observes what the platform did, and names every pass condition it missed (none: it passed).

import type { Scenario } from '../observation.ts';
import { brokerPaused, leaderKilled, leaderKilledWhileSagasWait } from './broker-faults.ts';
import { consumerChurn, memberRestarting } from './consumer-churn.ts';
import { consumerKilled } from './consumer-killed.ts';
import { orchestratorKilled, twoOrchestrators } from './orchestrators.ts';
import { postgresPaused } from './postgres-paused.ts';
import { poisonMessage, userCreatedRedelivered } from './redelivery.ts';
import { relayKilled } from './relay-killed.ts';

export const scenarios: readonly Scenario[] = [
  leaderKilled,
  leaderKilledWhileSagasWait,
  brokerPaused,
  postgresPaused,
  relayKilled,
  consumerKilled,
  orchestratorKilled,
  twoOrchestrators,
  userCreatedRedelivered,
  poisonMessage,
  consumerChurn,
  memberRestarting,
];

/** The scenarios by name (make chaos SCENARIOS=...; the e2e tier runs its own selection). */
export function scenarioNamed(name: string): Scenario {
  const found = scenarios.find((scenario) => scenario.name === name);
  if (found === undefined)
    throw new Error(`no scenario "${name}"; there are: ${scenarios.map((s) => s.name).join(', ')}`);
  return found;
}
