// The saga-orchestrator lost in the middle of sagas: alone, and as one of two processes on one
// database (both members of its consumer group, both scanning the sagas' deadlines).

import { checkEffectsOnce, observeWorkload, type Scenario, sleep } from '../observation.ts';
import type { Target } from '../workload.ts';
import { sagaClient } from '../workload.ts';
import { sagasWaitingForNotes } from './sagas-waiting.ts';

export const orchestratorKilled: Scenario = {
  name: 'orchestrator killed mid-saga',
  passCondition: 'every saga completes after the restart, with exactly one welcome note per user',
  async run(context, size) {
    const signedUp = await sagasWaitingForNotes(context, size === 'short' ? 4 : 12);
    await context.platform.stopService('saga', { kill: true });
    await context.platform.startService('notes');
    await context.platform.startService('saga');
    return observeWorkload(
      context,
      `notes-service stopped, ${signedUp.users.length} sign-ups, SIGKILL saga-orchestrator, both back`,
      signedUp,
      await checkEffectsOnce(context, signedUp.users),
    );
  },
};

export const twoOrchestrators: Scenario = {
  name: 'two orchestrators resuming the same sagas',
  passCondition: 'every saga COMPLETED exactly once, its step succeeded once, one welcome note per user',
  async run(context, size) {
    const { platform } = context;
    const second = await platform.startReplica('saga');
    try {
      const signedUp = await sagasWaitingForNotes(context, size === 'short' ? 6 : 20);
      const userIds = signedUp.users.map((user) => user.userId);
      const viaSecond: Target = { ...context.target, sagaGrpcUrl: platform.grpcUrl(second) };
      const running = await waitUntilRunning(viaSecond, userIds);
      await platform.stopService('saga', { kill: true });
      await Promise.all([platform.startService('notes'), platform.startService('saga')]);
      return observeWorkload(
        context,
        `a second saga-orchestrator on the same database, notes-service stopped, ${userIds.length} sign-ups, SIGKILL the first, notes-service and the first back`,
        signedUp,
        await checkEffectsOnce(context, signedUp.users).then((effects) => ({
          notes: `${running} of ${userIds.length} sagas RUNNING at the SIGKILL; ${effects.notes}`,
          problems: [...(running === 0 ? ['no saga was running at the SIGKILL'] : []), ...effects.problems],
        })),
      );
    } finally {
      await platform.stopService(second);
      if (platform.pid('saga') === undefined) await platform.startService('saga');
      if (platform.pid('notes') === undefined) await platform.startService('notes');
    }
  },
};

/** Waits (up to 20 s) until every user's SignUpSaga is RUNNING; returns how many are. */
async function waitUntilRunning(target: Target, userIds: readonly string[]): Promise<number> {
  const sagas = sagaClient(target);
  let running = 0;
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(250)) {
    const { sagas: found } = await sagas.listSagas({ type: 'SignUpSaga', state: 'RUNNING', limit: 500 });
    running = found.filter((saga) => userIds.includes(saga.userId)).length;
    if (running === userIds.length) break;
  }
  return running;
}
