// Consumer groups whose members come and go while users sign up: extra notes-service and
// saga-orchestrator processes (real members of their groups, handling what they are assigned)
// SIGKILLed every 3–5 s; or, in a group of three, one member restarting gracefully every few
// seconds. What the rebalances cost is measured: the sagas' p99, and after the kills, how long
// the last saga took to complete once the churn ended (the goals: 10 s; 2 s p99 while one
// member of three restarts). The pass condition is that nothing is lost or done twice.

import type { GrpcReplicaName, GrpcServiceName } from '@notes/local-infra';
import type { RunningPlatform } from '../../e2e/platform.ts';
import { checkEffectsOnce, observeWorkload, type Scenario, type ScenarioSize, sleep } from '../observation.ts';
import { checkSignUpSagas, quantile, signUpsOver } from '../workload.ts';

/** The groups churned: notes-service's (saga.commands) and saga-orchestrator's (auth.events, saga.replies). */
const churned: readonly GrpcServiceName[] = ['notes', 'saga'];

const sizes: Record<ScenarioSize, { signUps: number; churnMs: number }> = {
  short: { signUps: 15, churnMs: 9_000 },
  full: { signUps: 150, churnMs: 60_000 },
};

/** 3–5 s. */
const lifetimeMs = () => 3_000 + Math.random() * 2_000;

export const consumerChurn: Scenario = {
  name: 'consumer churn',
  passCondition:
    'nothing lost or done twice, every saga completes (measured: how long after the churn the last one did; goal 10 s)',
  async run(context, size) {
    const { signUps, churnMs } = sizes[size];
    const until = Date.now() + churnMs;
    const churning = churned.map((kind) => killedEvery(context.platform, kind, until));
    const signedUp = await signUpsOver(context.target, signUps, churnMs);
    const churns = await Promise.all(churning);
    const churnEnded = Math.max(...churns.map(({ endedAt }) => endedAt));
    const sagas = await checkSignUpSagas(
      context.target,
      signedUp.users.map((user) => user.userId),
      90_000,
    );
    const lastAfterMs = Math.max(churnEnded, ...sagas.completedAt) - churnEnded;
    const goalMet = sagas.unfinished.length === 0 && lastAfterMs <= 10_000;
    const effects = await checkEffectsOnce(context, signedUp.users);
    return observeWorkload(
      context,
      `an extra member of notes-service's and of saga-orchestrator's group, each SIGKILLed 3–5 s after it is ready and started again, for ${churnMs / 1000} s of ${signedUp.users.length} sign-ups`,
      signedUp,
      {
        notes: `${describe(churns)}; saga p95 ${Math.round(quantile(sagas.durationsMs, 0.95))} ms; last saga completed ${(lastAfterMs / 1000).toFixed(1)} s after the churn ended (goal 10 s: ${goalMet ? 'met' : 'not met'}); ${effects.notes}`,
        problems: effects.problems,
      },
    );
  },
};

export const memberRestarting: Scenario = {
  name: 'consumer group member restarting',
  passCondition:
    'nothing lost or done twice, every saga completes (measured: saga p99 while one member of three restarts; goal 2 s)',
  async run(context, size) {
    const { platform } = context;
    const { signUps, churnMs } = sizes[size];
    const members = await startMembers(platform);
    try {
      const until = Date.now() + churnMs;
      const restarting = [...members].map(([kind, [name]]) => restartedEvery(platform, kind, name, until));
      const signedUp = await signUpsOver(context.target, signUps, churnMs);
      const churns = await Promise.all(restarting);
      const sagas = await checkSignUpSagas(
        context.target,
        signedUp.users.map((user) => user.userId),
        90_000,
      );
      const p99 = quantile(sagas.durationsMs, 0.99);
      const effects = await checkEffectsOnce(context, signedUp.users);
      return observeWorkload(
        context,
        `notes-service's and saga-orchestrator's groups of three members each; one of each restarted gracefully (SIGTERM, start) every 3–5 s for ${churnMs / 1000} s of ${signedUp.users.length} sign-ups`,
        signedUp,
        {
          notes: `${describe(churns)}; saga p95 ${Math.round(quantile(sagas.durationsMs, 0.95))} ms, p99 ${Math.round(p99)} ms (goal 2 s: ${sagas.unfinished.length === 0 && p99 <= 2_000 ? 'met' : 'not met'}); ${effects.notes}`,
          problems: effects.problems,
        },
      );
    } finally {
      await Promise.all([...members.values()].flat().map((name) => platform.stopService(name)));
    }
  },
};

interface Churn {
  kind: GrpcServiceName;
  /** Members stopped (killed or restarted). */
  stops: number;
  /** When the last one was stopped. */
  endedAt: number;
}

/** One extra member of kind's group: started, SIGKILLed 3–5 s after it is ready, again, until `until`. */
async function killedEvery(platform: RunningPlatform, kind: GrpcServiceName, until: number): Promise<Churn> {
  const name = await platform.startReplica(kind);
  let stops = 0;
  try {
    for (;;) {
      await sleep(lifetimeMs());
      await platform.stopService(name, { kill: true });
      stops++;
      if (Date.now() >= until) return { kind, stops, endedAt: Date.now() };
      await platform.startService(name);
    }
  } finally {
    await platform.stopService(name, { kill: true });
  }
}

/** Two more members of each churned group, so that each has three. */
async function startMembers(
  platform: RunningPlatform,
): Promise<Map<GrpcServiceName, [GrpcReplicaName, GrpcReplicaName]>> {
  const members = new Map<GrpcServiceName, [GrpcReplicaName, GrpcReplicaName]>();
  for (const kind of churned) {
    members.set(kind, [await platform.startReplica(kind), await platform.startReplica(kind)]);
  }
  return members;
}

/** A member stopped gracefully (SIGTERM: it leaves its group) and started again, every 3–5 s until `until`. */
async function restartedEvery(
  platform: RunningPlatform,
  kind: GrpcServiceName,
  name: GrpcReplicaName,
  until: number,
): Promise<Churn> {
  let stops = 0;
  while (Date.now() < until) {
    await sleep(lifetimeMs());
    await platform.stopService(name);
    stops++;
    await platform.startService(name);
  }
  return { kind, stops, endedAt: Date.now() };
}

function describe(churns: readonly Churn[]): string {
  const names: Record<GrpcServiceName, string> = {
    auth: 'auth-service',
    notes: 'notes-service',
    saga: 'saga-orchestrator',
  };
  return churns.map(({ kind, stops }) => `${stops} stops in ${names[kind]}'s group`).join(', ');
}
