// What the fault scenarios share: the platform they run on, the shape of a scenario, and the one
// row each observes (what was injected, what the platform did, the pass conditions it missed),
// printed by make chaos as a table. The scenarios themselves are in scenarios/.

import type { LocalKafka } from '@notes/local-infra';
import type { RunningPlatform } from '../e2e/platform.ts';
import {
  checkDelivery,
  checkSignUpSagas,
  countSignUpSagas,
  notesPerUser,
  quantile,
  type Target,
  type WorkloadOptions,
  type WorkloadResult,
  type WrittenUser,
} from './workload.ts';

export interface FaultContext {
  platform: RunningPlatform;
  kafka: LocalKafka;
  target: Target;
  /** The platform's own PostgreSQL server; undefined when it is shared with other tests (not paused then). */
  postgres: { pause(): Promise<void>; resume(): Promise<void> } | undefined;
}

/** full: make chaos; short: the regression tests of the e2e tier. */
export type ScenarioSize = 'short' | 'full';

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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sign-ups, each writing a note and updating it, by size. */
export const workloads: Record<ScenarioSize, WorkloadOptions> = {
  short: { users: 16, updatesPerNote: 3, concurrency: 4 },
  full: { users: 60, updatesPerNote: 5, concurrency: 6 },
};

/** Delivery and sagas of what a workload wrote, as a row with the usual pass conditions checked. */
export async function observeWorkload(
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

/**
 * Whether each user's sign-up had its effects once, whatever was delivered or resumed twice: one
 * SignUpSaga, completed at most once (the wait for it to complete is observeWorkload's), and one
 * welcome note; with how many commands the sagas sent (re-sent ones included).
 */
export async function checkEffectsOnce(
  context: FaultContext,
  users: readonly WrittenUser[],
): Promise<Pick<Observation, 'notes' | 'problems'>> {
  const userIds = users.map((user) => user.userId);
  await checkSignUpSagas(context.target, userIds, 60_000);
  const [sagas, welcomeNotes] = await Promise.all([
    countSignUpSagas(context.target, userIds),
    notesPerUser(context.target, users),
  ]);
  const distinct = (values: readonly number[]) => [...new Set(values)].sort((a, b) => a - b).join('/');
  const sent = sagas.commandsSent.reduce((sum, count) => sum + count, 0);
  return {
    notes: `sagas per user ${distinct(sagas.perUser)}, each completed ${distinct(sagas.completions)}×, welcome notes per user ${distinct(welcomeNotes)}, ${sent} commands sent for ${users.length} sagas`,
    problems: [
      ...(sagas.perUser.some((count) => count !== 1) ? [`SignUpSagas per user: ${distinct(sagas.perUser)}`] : []),
      ...(sagas.completions.some((count) => count > 1) ? [`a saga completed ${Math.max(...sagas.completions)}×`] : []),
      ...(sagas.stepSucceeded.some((count) => count > 1)
        ? [`a step succeeded ${Math.max(...sagas.stepSucceeded)}×`]
        : []),
      ...(welcomeNotes.some((count) => count !== 1) ? [`welcome notes per user: ${distinct(welcomeNotes)}`] : []),
    ],
  };
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
