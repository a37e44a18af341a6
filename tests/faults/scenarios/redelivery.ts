// Messages the consumers must survive: an event delivered again, and one that does not decode.

import { toBinary } from '@bufbuild/protobuf';
import { EventEnvelopeSchema } from '@notes/contracts/common/v1';
import { topics } from '@notes/contracts/names';
import { createRawPublisher } from '@notes/kafka';
import { collectEvents } from '@notes/testkit';
import { parseExposition } from '../../prometheus-text.ts';
import { checkEffectsOnce, type FaultContext, observeWorkload, type Scenario, sleep } from '../observation.ts';
import { checkSignUpSagas, runWorkload } from '../workload.ts';

export const userCreatedRedelivered: Scenario = {
  name: 'auth.UserCreated redelivered',
  passCondition: 'one SignUpSaga and one welcome note per user, whatever is delivered again',
  async run(context, size) {
    const signedUp = await runWorkload(context.target, {
      users: size === 'short' ? 4 : 12,
      updatesPerNote: undefined,
      concurrency: 4,
    });
    await checkSignUpSagas(
      context.target,
      signedUp.users.map((user) => user.userId),
      60_000,
    );
    const userIds = new Set(signedUp.users.map((user) => user.userId));
    const events = await collectEvents({
      brokers: context.kafka.brokers,
      topic: topics.authEvents,
      keep: (key) => userIds.has(key),
    });
    const publisher = createRawPublisher({ brokers: context.kafka.brokers, clientId: 'chaos' });
    try {
      await events.waitFor((received) => received.length >= userIds.size, 30_000);
      // A copy: the collector goes on receiving, the copies published here too.
      for (const event of events.received.slice(0, userIds.size)) {
        for (let copy = 0; copy < 2; copy++) {
          await publisher.send(topics.authEvents, {
            key: Buffer.from(event.key),
            value: Buffer.from(toBinary(EventEnvelopeSchema, event.envelope)),
            headers: [...event.headers].map(([name, value]) => [name, Buffer.from(value)]),
          });
        }
      }
    } finally {
      await Promise.all([events.close(), publisher.close()]);
    }
    await sleep(3_000);
    return observeWorkload(context, `each of ${userIds.size} UserCreated published twice more`, signedUp, {
      duplicated: 2 * userIds.size,
      ...(await checkEffectsOnce(context, signedUp.users)),
    });
  },
};

/** The topics the services' consumer groups read, and the groups (on which service's /metrics) that must dead-letter a poison message there. */
const consumedBy: readonly {
  topic: string;
  groups: readonly { service: 'auth' | 'notes' | 'saga'; group: string }[];
}[] = [
  { topic: topics.authEvents, groups: [{ service: 'saga', group: 'saga-orchestrator' }] },
  { topic: topics.sagaReplies, groups: [{ service: 'saga', group: 'saga-orchestrator' }] },
  {
    topic: topics.sagaCommands,
    groups: [
      { service: 'auth', group: 'auth-service' },
      { service: 'notes', group: 'notes-service' },
    ],
  },
];

export const poisonMessage: Scenario = {
  name: 'poison message on each consumed topic',
  passCondition: 'each consuming group dead-letters it and goes on: sagas started after it complete',
  async run(context) {
    const deadLetters = () => deadLettersByGroup(context);
    const before = await deadLetters();
    const publisher = createRawPublisher({ brokers: context.kafka.brokers, clientId: 'chaos' });
    try {
      for (const { topic } of consumedBy) {
        await publisher.send(topic, {
          key: Buffer.from(crypto.randomUUID()),
          value: Buffer.from('not an envelope'),
          headers: [],
        });
      }
    } finally {
      await publisher.close();
    }
    const after = await waitForDeadLetters(deadLetters, before);
    const missing = consumedBy.flatMap(({ topic, groups }) =>
      groups
        .filter(({ group }) => (after.get(`${group} ${topic}`) ?? 0) <= (before.get(`${group} ${topic}`) ?? 0))
        .map(({ group }) => `${group} on ${topic}`),
    );
    const signedUp = await runWorkload(context.target, { users: 3, updatesPerNote: 1, concurrency: 3 });
    return observeWorkload(
      context,
      `an undecodable message on ${consumedBy.map(({ topic }) => topic).join(', ')}`,
      signedUp,
      {
        notes: `dead-lettered by ${consumedBy.flatMap(({ groups }) => groups).length - missing.length} of ${consumedBy.flatMap(({ groups }) => groups).length} group/topic pairs`,
        problems: missing.length > 0 ? [`not dead-lettered: ${missing.join(', ')}`] : [],
      },
    );
  },
};

/** kafka_dlq_messages_total by "group topic", summed over the services. */
async function deadLettersByGroup(context: FaultContext): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const service of ['auth', 'notes', 'saga'] as const) {
    const text = await (await fetch(`${context.platform.operationsUrl(service)}/metrics`)).text();
    for (const sample of parseExposition(text).samples) {
      if (sample.name !== 'kafka_dlq_messages_total') continue;
      const key = `${sample.labels.group} ${sample.labels.topic}`;
      counts.set(key, (counts.get(key) ?? 0) + sample.value);
    }
  }
  return counts;
}

async function waitForDeadLetters(read: () => Promise<Map<string, number>>, before: Map<string, number>) {
  const wanted = consumedBy.flatMap(({ topic, groups }) => groups.map(({ group }) => `${group} ${topic}`));
  for (const deadline = Date.now() + 20_000; ; await sleep(250)) {
    const now = await read();
    if (Date.now() > deadline || wanted.every((key) => (now.get(key) ?? 0) > (before.get(key) ?? 0))) return now;
  }
}
