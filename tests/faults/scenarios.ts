// The fault scenarios of `make chaos` (full size) and of the e2e tier (short size): each injects
// one fault into the platform running on three Kafka nodes, observes what the platform did, and
// names every pass condition it missed (none: it passed).

import { toBinary } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { authorization, createNotesApiClient } from '@notes/api-client';
import { EventEnvelopeSchema } from '@notes/contracts/common/v1';
import { topics } from '@notes/contracts/names';
import { SagaService } from '@notes/contracts/saga/v1';
import { createGrpcTransport } from '@notes/grpc';
import { createRawPublisher } from '@notes/kafka';
import type { LocalKafka } from '@notes/local-infra';
import { createPool } from '@notes/postgres';
import { collectEvents } from '@notes/testkit';
import type { RunningPlatform } from '../e2e/platform.ts';
import { parseExposition } from '../prometheus-text.ts';
import { allInSync, busiestLeader, ledWithout } from './cluster.ts';
import {
  checkDelivery,
  checkSignUpSagas,
  quantile,
  runWorkload,
  type Target,
  type WorkloadOptions,
  type WorkloadResult,
} from './workload.ts';

export interface FaultContext {
  platform: RunningPlatform;
  kafka: LocalKafka;
  target: Target;
  /** The platform's own PostgreSQL server; undefined when it is shared with other tests (not paused then). */
  postgres: { pause(): Promise<void>; resume(): Promise<void> } | undefined;
}

export type ScenarioSize = 'short' | 'full';

/** The platform's settings for the scenarios: they write from one address faster than its per-address limit allows. */
export const faultPlatformEnv: Readonly<Record<string, string>> = { RATE_LIMIT_PER_IP_MAX: '1000000' };

/** One row of the table: what was injected and what was observed. */
export interface Observation {
  injected: string;
  /** API requests made, and those not answered as the pass condition wants. */
  requests: number;
  failed: number;
  /** Events the writes must have published; of those, lost; messages seen more than once. */
  expectedEvents: number;
  lost: number;
  duplicated: number;
  /** SignUpSagas started, and those not COMPLETED in the end. */
  sagas: number;
  unfinishedSagas: number;
  requestP99Ms: number;
  sagaP99Ms: number;
  /** Anything else observed (statuses, recovery time, dead letters). */
  notes: string;
  /** The pass conditions missed; empty when the scenario passed. */
  problems: string[];
}

export interface Scenario {
  name: string;
  passCondition: string;
  /** Needs the platform's own PostgreSQL (make chaos only). */
  pausesPostgres?: boolean;
  run(context: FaultContext, size: ScenarioSize): Promise<Observation>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const workloads: Record<ScenarioSize, WorkloadOptions> = {
  short: { users: 16, updatesPerNote: 3, concurrency: 4 },
  full: { users: 60, updatesPerNote: 5, concurrency: 6 },
};

/** Delivery and sagas of what a workload wrote, as a row with the usual pass conditions checked. */
async function observeWorkload(
  context: FaultContext,
  injected: string,
  written: WorkloadResult,
  extra: Partial<Observation> = {},
): Promise<Observation> {
  const delivery = await checkDelivery(context.kafka.brokers, written.users, 60_000);
  const sagas = await checkSignUpSagas(
    context.target,
    written.users.map((user) => user.userId),
    60_000,
  );
  const problems = [
    ...(written.failures.length > 0
      ? [`${written.failures.length} requests failed: ${written.failures.slice(0, 3).join('; ')}`]
      : []),
    ...(delivery.lost > 0 ? [`${delivery.lost} events lost`] : []),
    ...(delivery.outOfOrder.length > 0 ? [`out of order: ${delivery.outOfOrder.join(', ')}`] : []),
    ...(sagas.unfinished.length > 0 ? [`${sagas.unfinished.length} sagas not completed`] : []),
    ...(extra.problems ?? []),
  ];
  return {
    injected,
    requests: written.requests,
    failed: written.failures.length,
    expectedEvents: delivery.expected,
    lost: delivery.lost,
    duplicated: delivery.duplicated,
    sagas: written.users.length,
    unfinishedSagas: sagas.unfinished.length,
    requestP99Ms: quantile(written.latenciesMs, 0.99),
    sagaP99Ms: quantile(sagas.durationsMs, 0.99),
    notes: '',
    ...extra,
    problems,
  };
}

function merged(results: readonly WorkloadResult[]): WorkloadResult {
  return {
    users: results.flatMap((result) => result.users),
    failures: results.flatMap((result) => result.failures),
    requests: results.reduce((sum, result) => sum + result.requests, 0),
    latenciesMs: results.flatMap((result) => result.latenciesMs),
  };
}

const leaderKilled: Scenario = {
  name: 'broker leader killed',
  passCondition: 'no write fails, no event lost or out of order, every saga completes',
  async run(context, size) {
    const victim = await busiestLeader(context.kafka, [topics.authEvents, topics.notesEvents]);
    const writing = runWorkload(context.target, workloads[size]);
    await sleep(1_500);
    await victim.kill();
    await ledWithout(context.kafka, victim);
    const observation = await observeWorkload(
      context,
      `SIGKILL node ${victim.id} (leading auth.events/notes.events) 1.5 s into the writes`,
      await writing,
    );
    await victim.start();
    await allInSync(context.kafka);
    return observation;
  },
};

/** notes-service stopped, then users signed up: their SignUpSagas wait for the reply to CreateWelcomeNote. */
async function sagasWaitingForNotes(context: FaultContext, users: number): Promise<WorkloadResult> {
  await context.platform.stopService('notes');
  const signedUp = await runWorkload(context.target, { users, updatesPerNote: undefined, concurrency: 4 });
  // The orchestrator reads the UserCreated events and sends CreateWelcomeNote: then the sagas wait.
  await sleep(2_000);
  return signedUp;
}

const leaderKilledWhileSagasWait: Scenario = {
  name: 'broker leader killed while sagas wait',
  passCondition: 'every saga waiting for its reply completes, no event lost',
  async run(context, size) {
    const signedUp = await sagasWaitingForNotes(context, size === 'short' ? 5 : 20);
    const victim = await busiestLeader(context.kafka, [topics.sagaCommands, topics.sagaReplies]);
    await victim.kill();
    await context.platform.startService('notes');
    await ledWithout(context.kafka, victim);
    const observation = await observeWorkload(
      context,
      `notes-service stopped, ${signedUp.users.length} sign-ups, SIGKILL node ${victim.id} (leading saga.commands/saga.replies), notes-service back`,
      signedUp,
    );
    await victim.start();
    await allInSync(context.kafka);
    return observation;
  },
};

const brokerPaused: Scenario = {
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

/** Requests answered while PostgreSQL is paused, and how soon after it the API answers again. */
const postgresPaused: Scenario = {
  name: 'PostgreSQL paused',
  passCondition:
    'while paused: only 503/504, each within the upstream deadline (5 s) + 1 s; after: served again within 5 s',
  pausesPostgres: true,
  async run(context, size) {
    const postgres = context.postgres;
    if (postgres === undefined) throw new Error('PostgreSQL paused needs the platform’s own server');
    const pauseMs = size === 'short' ? 5_000 : 10_000;
    const [user] = (await runWorkload(context.target, { users: 1, updatesPerNote: 0, concurrency: 1 })).users;
    if (user?.note === undefined) throw new Error('no user to write as');
    const api = createNotesApiClient(context.target.bffUrl, { token: user.token });
    const statuses = new Map<number | string, number>();
    const slow: number[] = [];
    const latencies: number[] = [];
    let pausedFrom = Number.POSITIVE_INFINITY;
    let resumedAt = Number.POSITIVE_INFINITY;
    let firstServedAfter: number | undefined;
    const client = async (write: boolean, stopAt: number) => {
      while (Date.now() < stopAt) {
        const started = Date.now();
        const answer = await (write
          ? api.POST('/v1/notes', { body: { title: 'written around a database pause' } })
          : api.GET('/v1/notes', { headers: authorization(user.token) })
        )
          .then(({ response }) => response.status)
          .catch((error: Error) => error.message);
        const answered = Date.now();
        latencies.push(answered - started);
        if (answered - started > 6_000) slow.push(answered - started);
        // Answered while the database was paused: what the client got from a platform without it.
        if (started >= pausedFrom && answered < resumedAt) statuses.set(answer, (statuses.get(answer) ?? 0) + 1);
        if (started >= resumedAt && typeof answer === 'number' && answer < 300)
          firstServedAfter ??= answered - resumedAt;
      }
    };
    // The services' connections dropped first: a request that needs a new one gets the service's
    // 503 within its connect timeout; one on a connection made again before the pause (the outbox
    // relay polls) waits, and gets the BFF's 504.
    await dropConnections(context.platform);
    await postgres.pause();
    pausedFrom = Date.now();
    const stopAt = pausedFrom + pauseMs + 6_000;
    const clients = [true, false, true, false].map((write) => client(write, stopAt));
    await sleep(pauseMs);
    resumedAt = Date.now();
    await postgres.resume();
    await Promise.all(clients);
    const during = [...statuses].map(([status, count]) => `${count}× ${status}`).join(', ');
    const wrong = [...statuses].filter(([status]) => status !== 503 && status !== 504);
    const problems = [
      ...(wrong.length > 0 ? [`answered while paused: ${during}`] : []),
      ...(slow.length > 0 ? [`${slow.length} answers took over 6 s (longest ${Math.max(...slow)} ms)`] : []),
      ...(firstServedAfter === undefined || firstServedAfter > 5_000
        ? [`not served again within 5 s (${firstServedAfter ?? 'never'} ms)`]
        : []),
    ];
    return {
      ...emptyObservation(
        `SIGSTOP PostgreSQL (server and backends) for ${pauseMs / 1000} s under 4 clients, the services' connections dropped first`,
      ),
      requests: latencies.length,
      failed: wrong.reduce((sum, [, count]) => sum + count, 0),
      requestP99Ms: quantile(latencies, 0.99),
      notes: `answered while paused: ${during}; served again ${firstServedAfter ?? '-'} ms after SIGCONT`,
      problems,
    };
  },
};

/** Ends every connection of the services to their databases (the pools make new ones on demand). */
async function dropConnections(platform: RunningPlatform): Promise<void> {
  const admin = createPool({ dsn: platform.dsn.notes, maxConnections: 1, applicationName: 'chaos' });
  try {
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()`,
      [Object.values(platform.dsn).map((dsn) => new URL(dsn).pathname.slice(1))],
    );
  } finally {
    await admin.end();
  }
}

const orchestratorKilled: Scenario = {
  name: 'orchestrator killed mid-saga',
  passCondition: 'every saga completes after the restart, with exactly one welcome note per user',
  async run(context, size) {
    const signedUp = await sagasWaitingForNotes(context, size === 'short' ? 4 : 12);
    await context.platform.stopService('saga', { kill: true });
    await context.platform.startService('notes');
    await context.platform.startService('saga');
    const counts = await welcomeNotes(context, signedUp);
    const extra = counts.filter((count) => count !== 1).length;
    return observeWorkload(
      context,
      `notes-service stopped, ${signedUp.users.length} sign-ups, SIGKILL saga-orchestrator, both back`,
      signedUp,
      {
        notes: `welcome notes per user: ${[...new Set(counts)].join('/')}`,
        problems: extra > 0 ? [`${extra} users without exactly one welcome note`] : [],
      },
    );
  },
};

/** How many notes each user of the workload lists once its saga completed (sign-ups only: its welcome note). */
async function welcomeNotes(context: FaultContext, signedUp: WorkloadResult): Promise<number[]> {
  await checkSignUpSagas(
    context.target,
    signedUp.users.map((user) => user.userId),
    60_000,
  );
  const api = createNotesApiClient(context.target.bffUrl);
  return Promise.all(
    signedUp.users.map(async (user) => {
      const { data } = await api.GET('/v1/notes', { headers: authorization(user.token) });
      return data?.items.length ?? -1;
    }),
  );
}

const userCreatedRedelivered: Scenario = {
  name: 'auth.UserCreated redelivered',
  passCondition: 'one SignUpSaga and one welcome note per user, whatever is delivered again',
  async run(context, size) {
    const signedUp = await runWorkload(context.target, {
      users: size === 'short' ? 4 : 12,
      updatesPerNote: undefined,
      concurrency: 4,
    });
    await welcomeNotes(context, signedUp);
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
    const sagas = createClient(
      SagaService,
      createGrpcTransport(context.target.sagaGrpcUrl, { tls: context.target.grpcClientTls }),
    );
    const { sagas: all } = await sagas.listSagas({ type: 'SignUpSaga', limit: 500 });
    const perUser = [...userIds].map((userId) => all.filter((saga) => saga.userId === userId).length);
    const counts = await welcomeNotes(context, signedUp);
    const problems = [
      ...(perUser.some((count) => count !== 1) ? [`SignUpSagas per user: ${perUser.join(',')}`] : []),
      ...(counts.some((count) => count !== 1) ? [`welcome notes per user: ${counts.join(',')}`] : []),
    ];
    return observeWorkload(context, `each of ${userIds.size} UserCreated published twice more`, signedUp, {
      duplicated: 2 * userIds.size,
      notes: `sagas per user ${[...new Set(perUser)].join('/')}, welcome notes per user ${[...new Set(counts)].join('/')}`,
      problems,
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

const poisonMessage: Scenario = {
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

export function emptyObservation(injected: string): Observation {
  return {
    injected,
    requests: 0,
    failed: 0,
    expectedEvents: 0,
    lost: 0,
    duplicated: 0,
    sagas: 0,
    unfinishedSagas: 0,
    requestP99Ms: 0,
    sagaP99Ms: 0,
    notes: '',
    problems: [],
  };
}

export const scenarios: readonly Scenario[] = [
  leaderKilled,
  leaderKilledWhileSagasWait,
  brokerPaused,
  postgresPaused,
  orchestratorKilled,
  userCreatedRedelivered,
  poisonMessage,
];

/** The scenarios by name (make chaos SCENARIOS=...; the e2e tier runs its own selection). */
export function scenarioNamed(name: string): Scenario {
  const found = scenarios.find((scenario) => scenario.name === name);
  if (found === undefined)
    throw new Error(`no scenario "${name}"; there are: ${scenarios.map((s) => s.name).join(', ')}`);
  return found;
}

/** The table make chaos prints (Markdown), one row per scenario. */
export function observationTable(rows: readonly { scenario: Scenario; observation: Observation }[]): string {
  const header =
    '| scenario | injected | requests (failed) | events expected | lost | duplicated | sagas (unfinished) | request p99 ms | saga p99 ms | observed | pass |';
  const lines = rows.map(
    ({ scenario, observation: o }) =>
      `| ${scenario.name} | ${o.injected} | ${o.requests} (${o.failed}) | ${o.expectedEvents} | ${o.lost} | ${o.duplicated} | ${o.sagas} (${o.unfinishedSagas}) | ${Math.round(o.requestP99Ms)} | ${Math.round(o.sagaP99Ms)} | ${o.notes} | ${o.problems.length === 0 ? 'yes' : `**no**: ${o.problems.join('; ')}`} |`,
  );
  return [header, `|${' --- |'.repeat(11)}`, ...lines].join('\n');
}
