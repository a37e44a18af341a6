// What a consumer group's rebalance protocol costs while its members come and go: messages at a
// steady rate on a three-partition topic, read by a group whose members are processes
// (bench/consumer-churn-member.ts), some of which are killed or restarted every few seconds. For
// each message, the time from its publication to its first handling; for the group, how long after
// the churn ends every message published during it has been handled, and whether one was lost.
//   node bench/consumer-churn.ts [seconds of churn, default 60]   (a local Kafka in a temporary folder)
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEventProducer, type EventConsumerOptions, type EventProducer } from '@notes/kafka';
import { freePort, startLocalKafka } from '@notes/local-infra';
import { Admin } from '@platformatic/kafka';
import { percentile } from './figures.ts';

export type GroupProtocol = NonNullable<EventConsumerOptions['groupProtocol']>;

export interface ChurnScenario {
  name: string;
  protocol: GroupProtocol;
  /** 'classic' only: the members' session timeout (default the consumer's, 10 s), heartbeats at a third of it. */
  sessionTimeoutMs?: number;
  /** Members that run throughout. */
  steady: number;
  /** Members that each run 3–5 s, are killed (SIGKILL) and start again, for the whole churn. */
  killed: number;
  /** Every this many ms, one of the steady members restarts gracefully (SIGTERM, then again); 0: never. */
  restartEveryMs: number;
}

export interface ChurnFigure {
  scenario: ChurnScenario;
  published: number;
  lost: number;
  /** Handled more than once (a member killed after handling, before committing). */
  redelivered: number;
  /** Publication → first handling, of the messages published during the churn. */
  latency: { p50Ms: number; p99Ms: number; maxMs: number };
  /** After the churn ended, until every message published during it was handled. */
  drainedAfterMs: number;
}

const messagesPerSecond = 10;
const partitions = 3;
const patienceMs = 90_000;
const memberFile = join(import.meta.dirname, 'consumer-churn-member.ts');

/** A member process, and its end. */
interface Member {
  child: ChildProcess;
  exited: Promise<unknown>;
}

/** Handling times by event id, from every member's output. */
type Handled = Map<string, number[]>;

function startMember(brokers: string, group: string, topic: string, scenario: ChurnScenario, handled: Handled): Member {
  const session = scenario.sessionTimeoutMs === undefined ? [] : [String(scenario.sessionTimeoutMs)];
  const child = spawn(process.execPath, [memberFile, brokers, group, topic, scenario.protocol, ...session], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const [eventId, at] = line.split(' ');
    if (eventId === undefined || at === undefined) return;
    handled.set(eventId, [...(handled.get(eventId) ?? []), Number(at)]);
  });
  return { child, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

async function stopMember(member: Member, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  member.child.kill(signal);
  await member.exited;
}

/** Publishes messagesPerSecond until signal aborts; returns each message's publication time. */
async function publishSteadily(
  producer: EventProducer,
  topic: string,
  signal: AbortSignal,
): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  for (let next = Date.now(); !signal.aborted; next += 1000 / messagesPerSecond) {
    await sleep(Math.max(0, next - Date.now()));
    const eventId = randomUUID();
    const at = Date.now();
    await producer.publish(topic, [
      {
        eventId,
        aggregateId: randomUUID(),
        correlationId: eventId,
        type: 'bench.Churn',
        occurredAt: new Date(at),
        payload: new Uint8Array(),
      },
    ]);
    sent.set(eventId, at);
  }
  return sent;
}

/** Kills and restarts one churned member's slot for as long as the churn lasts. */
async function churnKilled(start: () => Member, signal: AbortSignal, members: Set<Member>): Promise<void> {
  while (!signal.aborted) {
    const member = start();
    members.add(member);
    await sleep(3_000 + Math.random() * 2_000);
    await stopMember(member, 'SIGKILL');
    members.delete(member);
  }
}

/** Restarts the steady members gracefully, one at a time, every everyMs. */
async function restartSteady(
  steady: Member[],
  start: () => Member,
  everyMs: number,
  signal: AbortSignal,
): Promise<void> {
  for (let turn = 0; everyMs > 0 && !signal.aborted; turn++) {
    await sleep(everyMs);
    const index = turn % steady.length;
    await stopMember(steady[index] as Member, 'SIGTERM');
    steady[index] = start();
  }
}

export async function measureChurn(brokers: string, scenario: ChurnScenario, churnMs: number): Promise<ChurnFigure> {
  const topic = `bench-churn-${randomUUID()}`;
  await createTopic(brokers, topic);
  const group = `${topic}-group`;
  const handled: Handled = new Map();
  const start = () => startMember(brokers, group, topic, scenario, handled);
  const steady = Array.from({ length: scenario.steady }, start);
  const churned = new Set<Member>();
  const producer = createEventProducer({ brokers, clientId: 'bench-churn' });
  try {
    await sleep(5_000); // the steady members join
    const churning = new AbortController();
    const publishing = publishSteadily(producer, topic, churning.signal);
    const churn = [
      ...Array.from({ length: scenario.killed }, () => churnKilled(start, churning.signal, churned)),
      restartSteady(steady, start, scenario.restartEveryMs, churning.signal),
    ];
    await sleep(churnMs);
    churning.abort();
    const churnEndedAt = Date.now();
    const [sent] = await Promise.all([publishing, ...churn]);
    for (const deadline = Date.now() + patienceMs; Date.now() < deadline; await sleep(100)) {
      if ([...sent.keys()].every((eventId) => handled.has(eventId))) break;
    }
    return figure(scenario, sent, handled, churnEndedAt);
  } finally {
    await producer.close();
    await Promise.all([...steady, ...churned].map((member) => stopMember(member, 'SIGKILL')));
  }
}

function figure(
  scenario: ChurnScenario,
  sent: Map<string, number>,
  handled: Handled,
  churnEndedAt: number,
): ChurnFigure {
  const latencies: number[] = [];
  let lost = 0;
  let redelivered = 0;
  let lastHandledAt = churnEndedAt;
  for (const [eventId, sentAt] of sent) {
    const times = handled.get(eventId);
    if (times === undefined) {
      lost++;
      continue;
    }
    if (times.length > 1) redelivered++;
    const first = Math.min(...times);
    latencies.push(first - sentAt);
    lastHandledAt = Math.max(lastHandledAt, first);
  }
  latencies.sort((a, b) => a - b);
  return {
    scenario,
    published: sent.size,
    lost,
    redelivered,
    latency: {
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? 0,
    },
    drainedAfterMs: lastHandledAt - churnEndedAt,
  };
}

async function createTopic(brokers: string, topic: string): Promise<void> {
  const admin = new Admin({ clientId: 'bench-churn', bootstrapBrokers: brokers.split(',') });
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

/** Classic, classic with a 6 s session, and consumer, each with members killed and with members restarting gracefully. */
export const churnScenarios: ChurnScenario[] = (
  [{ protocol: 'classic' }, { protocol: 'classic', sessionTimeoutMs: 6_000 }, { protocol: 'consumer' }] as const
).flatMap((group) => [
  { name: 'two of three members killed every 3–5 s', ...group, steady: 1, killed: 2, restartEveryMs: 0 },
  {
    name: 'one of three members restarting gracefully every 5 s',
    ...group,
    steady: 3,
    killed: 0,
    restartEveryMs: 5_000,
  },
]);

function protocolLabel({ protocol, sessionTimeoutMs }: ChurnScenario): string {
  return sessionTimeoutMs === undefined ? protocol : `${protocol} (session ${sessionTimeoutMs / 1000} s)`;
}

if (import.meta.main) {
  const churnMs = Number(process.argv[2] ?? 60) * 1000;
  const scratch = await mkdtemp(join(tmpdir(), 'bench-churn-'));
  const kafka = await startLocalKafka({
    dataDir: join(scratch, 'kafka'),
    port: await freePort(),
    controllerPort: await freePort(),
  });
  try {
    for (const scenario of churnScenarios) {
      const result = await measureChurn(kafka.brokers, scenario, churnMs);
      console.log(
        `${protocolLabel(scenario).padEnd(22)} ${scenario.name}: ${result.published} published, ${result.lost} lost, ` +
          `${result.redelivered} redelivered; latency p50 ${result.latency.p50Ms} ms, p99 ${result.latency.p99Ms} ms, ` +
          `max ${result.latency.maxMs} ms; all handled ${result.drainedAfterMs} ms after the churn ended`,
      );
    }
  } finally {
    await kafka.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
