// What the fault scenarios do to the platform while a fault is injected, and what they then check
// of it: sign-ups and note writes through the public API, then every event they must have caused
// read back from Kafka (lost, duplicated, out of order), and every SignUpSaga they started.

import { fromBinary } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { authorization, createNotesApiClient } from '@notes/api-client';
import { NoteCreatedSchema, NoteUpdatedSchema } from '@notes/contracts/common/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import { SagaService } from '@notes/contracts/saga/v1';
import { createGrpcTransport } from '@notes/grpc';
import type { ClientTls } from '@notes/local-infra';
import { collectEvents, type ReceivedEvent } from '@notes/testkit';

/** The platform a workload runs against. */
export interface Target {
  bffUrl: string;
  sagaGrpcUrl: string;
  grpcClientTls: ClientTls | undefined;
}

/** What one user of a workload did: the note it wrote and how many versions it reached. */
export interface WrittenUser {
  userId: string;
  token: string;
  /** Its note and the note's last version acknowledged by the API (1: created, never updated). */
  note: { id: string; version: number } | undefined;
}

export interface WorkloadResult {
  users: WrittenUser[];
  /** Requests answered with an unexpected status (each named), and requests that threw. */
  failures: string[];
  requests: number;
  /** Every request's time to its answer, ms. */
  latenciesMs: number[];
}

export interface WorkloadOptions {
  users: number;
  /** Updates of each user's note after its creation; undefined: the users write no note. */
  updatesPerNote: number | undefined;
  /** Users signed up at once. */
  concurrency: number;
}

const password = 'correct horse battery';

/** Signs users up, each creating a note and updating it; every write goes through the BFF. */
export async function runWorkload(target: Target, options: WorkloadOptions): Promise<WorkloadResult> {
  const result: WorkloadResult = { users: [], failures: [], requests: 0, latenciesMs: [] };
  const timed = async <T extends { response: Response }>(
    what: string,
    expected: number,
    call: () => Promise<T>,
  ): Promise<T | undefined> => {
    const started = performance.now();
    result.requests++;
    try {
      const answer = await call();
      result.latenciesMs.push(performance.now() - started);
      if (answer.response.status === expected) return answer;
      result.failures.push(`${what}: ${answer.response.status}`);
    } catch (error) {
      result.failures.push(`${what}: ${(error as Error).message}`);
    }
    return undefined;
  };
  const oneUser = async (index: number) => {
    const api = createNotesApiClient(target.bffUrl);
    const email = `fault-${index}-${crypto.randomUUID()}@example.com`;
    const signUp = await timed('sign-up', 201, () => api.POST('/v1/auth/sign-up', { body: { email, password } }));
    const signIn = await timed('sign-in', 200, () => api.POST('/v1/auth/sign-in', { body: { email, password } }));
    const userId = signUp?.data?.user_id;
    const token = signIn?.data?.access_token;
    if (userId === undefined || token === undefined) return;
    const user: WrittenUser = { userId, token, note: undefined };
    result.users.push(user);
    if (options.updatesPerNote === undefined) return;
    const headers = authorization(token);
    const created = await timed('create note', 201, () =>
      api.POST('/v1/notes', { headers, body: { title: `note of user ${index}` } }),
    );
    const noteId = created?.data?.id;
    if (noteId === undefined) return;
    const note = { id: noteId, version: 1 };
    user.note = note;
    for (let update = 1; update <= options.updatesPerNote; update++) {
      const updated = await timed('update note', 200, () =>
        api.PUT('/v1/notes/{id}', {
          params: { path: { id: noteId } },
          headers: { ...headers, 'if-match': `"${note.version}"` },
          body: { title: `note of user ${index}, update ${update}`, content: '' },
        }),
      );
      if (updated === undefined) return;
      note.version++;
    }
  };
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < options.users; index = next++) await oneUser(index);
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return result;
}

/** Several workloads' results as one. */
export function merged(results: readonly WorkloadResult[]): WorkloadResult {
  return {
    users: results.flatMap((result) => result.users),
    failures: results.flatMap((result) => result.failures),
    requests: results.reduce((sum, result) => sum + result.requests, 0),
    latenciesMs: results.flatMap((result) => result.latenciesMs),
  };
}

/** Signs users up (no notes) at a steady pace over durationMs, each on its own. */
export async function signUpsOver(target: Target, users: number, durationMs: number): Promise<WorkloadResult> {
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: users }, async (_, index) => {
      await new Promise((resolve) => setTimeout(resolve, started + (index * durationMs) / users - Date.now()));
      return runWorkload(target, { users: 1, updatesPerNote: undefined, concurrency: 1 });
    }),
  );
  return merged(results);
}

export interface DeliveryReport {
  /** Events the writes must have published (one UserCreated per user, one per note version). */
  expected: number;
  /** Of those, how many never arrived within the wait. */
  lost: number;
  /** Messages received more than once (the same event_id again). */
  duplicated: number;
  /** Aggregates whose events arrived out of version order (first copies, in partition order). */
  outOfOrder: string[];
}

/** Reads auth.events and notes.events from the beginning until every expected event is there (or timeoutMs). */
export async function checkDelivery(brokers: string, users: readonly WrittenUser[], timeoutMs: number) {
  const userIds = new Set(users.map((user) => user.userId));
  const versions = new Map(users.flatMap(({ note }) => (note === undefined ? [] : [[note.id, note.version]])));
  const [userEvents, noteEvents] = await Promise.all([
    collectEvents({ brokers, topic: topics.authEvents, keep: (key) => userIds.has(key) }),
    collectEvents({ brokers, topic: topics.notesEvents, keep: (key) => versions.has(key) }),
  ]);
  const distinct = (received: ReceivedEvent[]) => new Map(received.map((event) => [event.envelope.eventId, event]));
  const created = () =>
    new Set(
      userEvents.received.filter((event) => event.envelope.type === eventTypes.UserCreated).map((event) => event.key),
    );
  try {
    const expectedNotes = [...versions.values()].reduce((sum, version) => sum + version, 0);
    await Promise.all([
      userEvents.waitFor(() => created().size === userIds.size, timeoutMs).catch(() => undefined),
      noteEvents.waitFor(() => distinct(noteEvents.received).size >= expectedNotes, timeoutMs).catch(() => undefined),
    ]);
    const noteVersions = new Map<string, number[]>();
    for (const event of distinct(noteEvents.received).values()) {
      const list = noteVersions.get(event.key) ?? [];
      list.push(noteVersion(event));
      noteVersions.set(event.key, list);
    }
    const lostNotes = [...versions].reduce(
      (sum, [noteId, version]) => sum + Math.max(0, version - new Set(noteVersions.get(noteId)).size),
      0,
    );
    const received = [...userEvents.received, ...noteEvents.received];
    return {
      expected: userIds.size + expectedNotes,
      lost: userIds.size - created().size + lostNotes,
      duplicated: received.length - distinct(received).size,
      outOfOrder: [...noteVersions]
        .filter(([, list]) => list.some((version, i) => i > 0 && version <= (list[i - 1] ?? 0)))
        .map(([noteId]) => noteId),
    } satisfies DeliveryReport;
  } finally {
    await Promise.all([userEvents.close(), noteEvents.close()]);
  }
}

function noteVersion(event: ReceivedEvent): number {
  const schema = event.envelope.type === eventTypes.NoteCreated ? NoteCreatedSchema : NoteUpdatedSchema;
  return Number(fromBinary(schema, event.envelope.payload).version);
}

export interface SagaReport {
  /** Users whose SignUpSaga is not COMPLETED within the wait. */
  unfinished: string[];
  /** Each completed saga's start → end, ms. */
  durationsMs: number[];
  /** When each completed (ms since the epoch, the database's clock: this machine's). */
  completedAt: number[];
}

/** Waits until every user's SignUpSaga is COMPLETED (or timeoutMs), through the orchestrator's operator API. */
export async function checkSignUpSagas(target: Target, userIds: readonly string[], timeoutMs: number) {
  const sagas = sagaClient(target);
  const completed = new Map<string, { durationMs: number; at: number }>();
  for (const deadline = Date.now() + timeoutMs; completed.size < userIds.length && Date.now() < deadline; ) {
    const { sagas: found } = await sagas
      .listSagas({ type: 'SignUpSaga', state: 'COMPLETED', limit: 500 })
      .catch(() => ({ sagas: [] }));
    for (const saga of found) {
      if (!userIds.includes(saga.userId) || saga.createdAt === undefined || saga.updatedAt === undefined) continue;
      completed.set(saga.userId, {
        durationMs: millis(saga.updatedAt) - millis(saga.createdAt),
        at: millis(saga.updatedAt),
      });
    }
    if (completed.size < userIds.length) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    unfinished: userIds.filter((userId) => !completed.has(userId)),
    durationsMs: [...completed.values()].map(({ durationMs }) => durationMs),
    completedAt: [...completed.values()].map(({ at }) => at),
  } satisfies SagaReport;
}

/** The saga-orchestrator's operator API. */
export function sagaClient(target: Target) {
  return createClient(SagaService, createGrpcTransport(target.sagaGrpcUrl, { tls: target.grpcClientTls }));
}

/** How many notes each user lists, in the order of users (sign-ups only, once the saga completed: its welcome note). */
export async function notesPerUser(target: Target, users: readonly WrittenUser[]): Promise<number[]> {
  const api = createNotesApiClient(target.bffUrl);
  return Promise.all(
    users.map(async (user) => {
      const { data } = await api.GET('/v1/notes', { headers: authorization(user.token) });
      return data?.items.length ?? -1;
    }),
  );
}

export interface SagaCounts {
  /** SignUpSagas per user, in the order of userIds. */
  perUser: number[];
  /** Per user, over its SignUpSagas' histories: the step's successes, completions, commands sent (re-sent included). */
  stepSucceeded: number[];
  completions: number[];
  commandsSent: number[];
}

/** Counts each user's SignUpSagas and, from their histories, what happened to them. */
export async function countSignUpSagas(target: Target, userIds: readonly string[]): Promise<SagaCounts> {
  const sagas = sagaClient(target);
  const { sagas: all } = await sagas.listSagas({ type: 'SignUpSaga', limit: 500 });
  const perUser = userIds.map((userId) => all.filter((saga) => saga.userId === userId));
  const histories = await Promise.all(
    perUser.map(async (found) => {
      const events: string[] = [];
      for (const { sagaId } of found) {
        const { saga } = await sagas.getSaga({ sagaId });
        events.push(...(saga?.history.map((record) => record.event) ?? []));
      }
      return events;
    }),
  );
  const counted = (event: string) => histories.map((events) => events.filter((each) => each === event).length);
  return {
    perUser: perUser.map((found) => found.length),
    stepSucceeded: counted('succeeded'),
    completions: counted('saga_completed'),
    commandsSent: counted('command_sent'),
  };
}

const millis = (timestamp: { seconds: bigint; nanos: number }) =>
  Number(timestamp.seconds) * 1000 + timestamp.nanos / 1e6;

/** The q-quantile of values (0 when there are none). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
