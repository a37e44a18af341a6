// A consumer killed between its effect and its offset commit. notes-service's transactions for
// CreateWelcomeNote (processed_events row, welcome note, reply in the outbox) are held at their
// COMMIT (a deferred trigger on processed_events); the process is frozen there (SIGSTOP), the
// COMMITs are let through (PostgreSQL commits them: the effects are done, the process never
// learns it, so it never commits the Kafka offsets), then SIGKILL. The restarted member is
// handed the same commands again and its idempotent handler must skip them.

import { topics } from '@notes/contracts/names';
import { createPool } from '@notes/postgres';
import { collectEvents, type ReceivedEvent } from '@notes/testkit';
import { parseExposition } from '../../prometheus-text.ts';
import { holdStatements } from '../hold.ts';
import { checkEffectsOnce, type FaultContext, observeWorkload, type Scenario, sleep } from '../observation.ts';
import { runWorkload } from '../workload.ts';

const group = 'notes-service';

export const consumerKilled: Scenario = {
  name: 'consumer killed between effect and commit',
  passCondition:
    'the commands whose effects committed before the SIGKILL, offsets not, are delivered again after the restart and skipped: one welcome note per user, every saga completes',
  async run(context, size) {
    const { platform, kafka } = context;
    const database = createPool({ dsn: platform.dsn.notes, maxConnections: 1, applicationName: 'chaos' });
    const { rows: startedAt } = await database.query<{ now: Date }>('SELECT now()');
    const hold = await holdStatements(platform.dsn.notes, {
      table: 'processed_events',
      when: 'AFTER INSERT',
      each: 'ROW',
      atCommit: true,
    });
    const commands = await collectEvents({ brokers: kafka.brokers, topic: topics.sagaCommands, keep: () => true });
    let frozen = false;
    try {
      const signedUp = await runWorkload(context.target, {
        users: size === 'short' ? 2 : 6,
        updatesPerNote: undefined,
        concurrency: 3,
      });
      await hold.reached(20_000);
      // The other partitions' commands join the hold (notes-service handles partitions in parallel).
      await sleep(300);
      const pid = platform.pid('notes');
      if (pid === undefined) throw new Error('notes-service is not running');
      process.kill(pid, 'SIGSTOP');
      frozen = true;
      await hold.release();
      const { rows } = await database.query<{ event_id: string }>(
        'SELECT event_id FROM processed_events WHERE consumer_group = $1 AND processed_at >= $2',
        [group, startedAt[0]?.now],
      );
      await platform.stopService('notes', { kill: true });
      frozen = false;
      await hold.remove();
      const effectsDone = new Set(rows.map((row) => row.event_id));
      await commands.waitFor((received) => heldMessages(received, effectsDone).length === effectsDone.size, 10_000);
      const held = heldMessages(commands.received, effectsDone);
      const before = await kafka.committedOffsets(group, topics.sagaCommands);
      const notCommitted = held.filter((message) => (before.get(message.partition) ?? -1n) <= message.offset);
      await platform.startService('notes');
      const redelivered = await waitForCommitsPast(context, held);
      const consumedAgain = await consumedCommands(context);
      const effects = await checkEffectsOnce(context, signedUp.users);
      const problems = [
        ...(held.length === 0 ? ['no effect committed while the process was frozen'] : []),
        ...(notCommitted.length < held.length
          ? [`${held.length - notCommitted.length} offsets were committed before the kill`]
          : []),
        ...(redelivered < held.length ? [`${held.length - redelivered} commands not delivered again`] : []),
        ...effects.problems,
      ];
      return observeWorkload(
        context,
        `notes-service's CreateWelcomeNote transactions held at COMMIT; SIGSTOP; COMMIT let through; SIGKILL; restart (${signedUp.users.length} sign-ups)`,
        signedUp,
        {
          notes: `${held.length} commands' effects committed with their offsets not (committed offset ≤ theirs); ${redelivered} delivered again and committed by the restarted member (${consumedAgain} saga.commands consumed there); ${effects.notes}`,
          problems,
        },
      );
    } finally {
      if (frozen) await platform.stopService('notes', { kill: true });
      await hold.remove();
      await commands.close();
      await database.end();
      if (platform.pid('notes') === undefined) await platform.startService('notes');
    }
  },
};

/** The messages of saga.commands that carried these event ids (first copies). */
function heldMessages(received: readonly ReceivedEvent[], eventIds: ReadonlySet<string>): ReceivedEvent[] {
  const first = new Map<string, ReceivedEvent>();
  for (const event of received) {
    if (eventIds.has(event.envelope.eventId) && !first.has(event.envelope.eventId))
      first.set(event.envelope.eventId, event);
  }
  return [...first.values()];
}

/**
 * How many of these messages the group's committed offsets have passed within 60 s: a member
 * commits an offset only after handling every message before it on its partition.
 */
async function waitForCommitsPast(context: FaultContext, messages: readonly ReceivedEvent[]): Promise<number> {
  let passed = 0;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(250)) {
    const committed = await context.kafka.committedOffsets(group, topics.sagaCommands);
    passed = messages.filter((message) => (committed.get(message.partition) ?? -1n) > message.offset).length;
    if (passed === messages.length) break;
  }
  return passed;
}

/** saga.commands messages the (restarted) notes-service has handed to its handler. */
async function consumedCommands(context: FaultContext): Promise<number> {
  const text = await (await fetch(`${context.platform.operationsUrl('notes')}/metrics`)).text();
  return parseExposition(text)
    .samples.filter(
      (sample) =>
        sample.name === 'kafka_messages_consumed_total' &&
        sample.labels.topic === topics.sagaCommands &&
        sample.labels.group === group,
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}
