// The outbox relay killed between publishing a batch and marking it sent. While users sign up,
// the scenario holds every lane of auth-service's outbox (as another relay would: the relay then
// claims nothing), so that their UserCreated rows wait; once the lanes are free, the relay claims
// them in one batch, publishes it (Kafka acknowledges: acks=all) and is held at its mark (a trigger
// on the UPDATE that sets sent_at). There the process is SIGKILLed; its transaction rolls back and
// the rows stay unsent. The restarted relay publishes them again; their consumer (the orchestrator:
// one SignUpSaga per UserCreated) must not do anything twice.

import { topics } from '@notes/contracts/names';
import { outboxLaneLockKey, outboxLanes } from '@notes/outbox';
import { createPool } from '@notes/postgres';
import { collectEvents } from '@notes/testkit';
import { holdStatements } from '../hold.ts';
import { checkEffectsOnce, observeWorkload, type Scenario } from '../observation.ts';
import { runWorkload } from '../workload.ts';

export const relayKilled: Scenario = {
  name: 'relay killed between publish and mark',
  passCondition:
    'each event published before the SIGKILL is still unsent after it and published again; nothing lost; one saga and one welcome note per user',
  async run(context, size) {
    const { platform } = context;
    const database = createPool({ dsn: platform.dsn.auth, maxConnections: 1, applicationName: 'chaos' });
    const hold = await holdStatements(platform.dsn.auth, {
      table: 'outbox',
      when: 'BEFORE UPDATE OF sent_at',
      each: 'STATEMENT',
    });
    // Every UserCreated from now on (the users are not known yet); filtered below.
    const events = await collectEvents({ brokers: context.kafka.brokers, topic: topics.authEvents, keep: () => true });
    try {
      const lanes = await database.connect();
      let signedUp: Awaited<ReturnType<typeof runWorkload>>;
      try {
        await lanes.query('SELECT pg_advisory_lock($1::int, lane) FROM generate_series(0, $2::int - 1) AS lane', [
          outboxLaneLockKey,
          outboxLanes,
        ]);
        signedUp = await runWorkload(context.target, {
          users: size === 'short' ? 4 : 12,
          updatesPerNote: undefined,
          concurrency: 4,
        });
        await lanes.query('SELECT pg_advisory_unlock_all()');
      } finally {
        lanes.release();
      }
      const userIds = new Set(signedUp.users.map((user) => user.userId));
      const ours = () => events.received.filter((event) => userIds.has(event.key));
      const held = await hold.reached(10_000);
      // Published, acknowledged and received, and not marked sent: now the relay dies.
      await events.waitFor(() => ours().length >= userIds.size, 5_000).catch(() => undefined);
      await platform.stopService('auth', { kill: true });
      const published = new Set(ours().map((event) => event.envelope.eventId));
      await hold.release();
      await hold.ended(held, 10_000);
      const { rows } = await database.query<{ count: string }>(
        'SELECT count(*) FROM outbox WHERE id = ANY($1::uuid[]) AND sent_at IS NULL',
        [[...published]],
      );
      const unsent = Number(rows[0]?.count ?? 0);
      await hold.remove();
      await platform.startService('auth');
      const seenTwice = () =>
        [...published].filter((id) => ours().filter((event) => event.envelope.eventId === id).length >= 2).length;
      await events.waitFor(() => seenTwice() === published.size, 30_000).catch(() => undefined);
      const effects = await checkEffectsOnce(context, signedUp.users);
      const problems = [
        ...(published.size === 0 ? ['nothing was published before the kill'] : []),
        ...(unsent < published.size ? [`${published.size - unsent} events published before the kill marked sent`] : []),
        ...(seenTwice() < published.size ? [`${published.size - seenTwice()} of them not published again`] : []),
        ...effects.problems,
      ];
      return observeWorkload(
        context,
        `auth-service's outbox lanes held during ${signedUp.users.length} sign-ups, then its relay held after publishing, before marking sent; SIGKILL there, restart`,
        signedUp,
        {
          notes: `${published.size} UserCreated published before the kill, ${unsent} of them unsent after it, ${seenTwice()} seen twice on auth.events; ${effects.notes}`,
          problems,
        },
      );
    } finally {
      await hold.remove();
      await events.close();
      await database.end();
      if (platform.pid('auth') === undefined) await platform.startService('auth');
    }
  },
};
