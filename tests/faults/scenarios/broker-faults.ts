// A Kafka node lost (SIGKILL) or frozen (SIGSTOP) under writes, and while sagas wait for replies.

import { topics } from '@notes/contracts/names';
import type { LocalKafkaNode } from '@notes/local-infra';
import { allInSync, busiestLeader, ledWithout } from '../cluster.ts';
import {
  type FaultContext,
  type Observation,
  observeWorkload,
  type Scenario,
  sleep,
  workloads,
} from '../observation.ts';
import { merged, runWorkload, type WorkloadResult } from '../workload.ts';
import { sagasWaitingForNotes } from './sagas-waiting.ts';

export const leaderKilled: Scenario = {
  name: 'broker leader killed',
  passCondition: 'no write fails, no event lost or out of order, every saga completes',
  async run(context, size) {
    const victim = await busiestLeader(context.kafka, [topics.authEvents, topics.notesEvents]);
    const writing = runWorkload(context.target, workloads[size]);
    await sleep(1_500);
    return withNodeKilled(context, victim, async () => {
      await ledWithout(context.kafka, victim);
      return observeWorkload(
        context,
        `SIGKILL node ${victim.id} (leading auth.events/notes.events) 1.5 s into the writes`,
        await writing,
      );
    });
  },
};

export const leaderKilledWhileSagasWait: Scenario = {
  name: 'broker leader killed while sagas wait',
  passCondition: 'every saga waiting for its reply completes, no event lost',
  async run(context, size) {
    const signedUp = await sagasWaitingForNotes(context, size === 'short' ? 5 : 20);
    const victim = await busiestLeader(context.kafka, [topics.sagaCommands, topics.sagaReplies]);
    return withNodeKilled(context, victim, async () => {
      await context.platform.startService('notes');
      await ledWithout(context.kafka, victim);
      return observeWorkload(
        context,
        `notes-service stopped, ${signedUp.users.length} sign-ups, SIGKILL node ${victim.id} (leading saga.commands/saga.replies), notes-service back`,
        signedUp,
      );
    });
  },
};

/** SIGKILLs victim, observes, then starts it again and waits until every replica is in sync, also when observing failed. */
async function withNodeKilled(
  context: FaultContext,
  victim: LocalKafkaNode,
  observe: () => Promise<Observation>,
): Promise<Observation> {
  await victim.kill();
  try {
    return await observe();
  } finally {
    await victim.start();
    await allInSync(context.kafka);
  }
}

export const brokerPaused: Scenario = {
  name: 'broker paused',
  passCondition: 'no write fails, no event lost or out of order, every saga completes',
  async run(context, size) {
    const pauseMs = size === 'short' ? 8_000 : 20_000;
    const victim = await busiestLeader(context.kafka, [topics.authEvents, topics.notesEvents]);
    const pausing = (async () => {
      await sleep(1_000);
      victim.pause();
      await sleep(pauseMs);
      victim.resume();
    })();
    const results: WorkloadResult[] = [];
    const until = Date.now() + pauseMs + 2_000;
    while (Date.now() < until) results.push(await runWorkload(context.target, { ...workloads.short, users: 4 }));
    await pausing;
    const observation = await observeWorkload(
      context,
      `SIGSTOP node ${victim.id} for ${pauseMs / 1000} s during the writes, then SIGCONT`,
      merged(results),
    );
    await allInSync(context.kafka);
    return observation;
  },
};
