// The change streams' figure: many SSE streams open over the BFF replicas, notes written at a
// steady rate through them in turn, and for each write the time until every stream of its owner
// has received it (issue 17: p99 < 250 ms at 200 writes/s with 1,000 streams over two replicas).
import { type ClientRequest, request } from 'node:http';
import { setTimeout } from 'node:timers/promises';
import { createNotesApiClient } from '@notes/api-client';
import { percentile } from './figures.ts';
import { cpuSince, cpuSnapshot, groupRssBytes, type ProcessGroup } from './process-stats.ts';
import { type BenchUser, createUsers } from './users.ts';

export interface ChangeStreamSettings {
  users: number;
  streamsPerUser: number;
  writesPerSecond: number;
  seconds: number;
}

export interface ChangeStreamFigure {
  replicas: number;
  streams: number;
  writesPerSecond: number;
  writes: number;
  /** Writes that were not answered 201 (not counted in the latencies). */
  failedWrites: number;
  /** (write, stream of its owner) pairs received; `missed` the pairs not received within 10 s. */
  deliveries: number;
  missed: number;
  /** From sending the write to its change's arrival on a stream, over every delivery. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU milliseconds per write, by platform process group, from the first write to the last delivery. */
  cpuMsPerWrite: Partial<Record<ProcessGroup, number>>;
  /** notes-service's ListNoteChanges calls per write over the same time: the streams' reads of the feed. */
  feedReadsPerWrite: number;
  /** The BFF replicas' resident memory grown by opening the streams (idle, first page sent) ÷ streams, KB. */
  rssKBPerStream: number;
}

interface OpenStream {
  request: ClientRequest;
  /** Arrival time of each of the bench's writes seen, by title. */
  arrivals: Map<string, number>;
  opened: Promise<void>;
}

/** Users whose streams open together (their streams open before the next users'). */
const usersOpeningAtOnce = 20;

const writeTitle = /"title":"(stream-(?:bench|warm-up)-\d+)"/;

/** One SSE stream read line by line; only the bench's own writes are timed. */
function openStream(url: string, user: BenchUser): OpenStream {
  const arrivals = new Map<string, number>();
  const { promise: opened, resolve, reject } = Promise.withResolvers<void>();
  const req = request(`${url}/v1/notes/changes/stream`, {
    headers: { authorization: `Bearer ${user.token}`, accept: 'text/event-stream' },
    agent: false,
  });
  req.on('response', (response) => {
    if (response.statusCode !== 200) {
      reject(new Error(`a change stream answered ${response.statusCode}`));
      response.resume();
      return;
    }
    resolve();
    response.setEncoding('utf8');
    let buffered = '';
    response.on('data', (chunk: string) => {
      const at = performance.now();
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const write = line.startsWith('data: ') ? writeTitle.exec(line)?.[1] : undefined;
        if (write !== undefined && !arrivals.has(write)) arrivals.set(write, at);
      }
    });
  });
  req.on('error', (error) => reject(error));
  req.end();
  return { request: req, arrivals, opened };
}

/** The ListNoteChanges calls notes-service has answered, from its /metrics (operations port). */
async function feedReads(notesOperationsUrl: string): Promise<number> {
  const metrics = await (await fetch(`${notesOperationsUrl}/metrics`)).text();
  let calls = 0;
  for (const [, count] of metrics.matchAll(
    /^grpc_server_handled_total\{[^}]*grpc_method="ListNoteChanges"[^}]*\} (\S+)$/gm,
  )) {
    calls += Number(count);
  }
  return calls;
}

export async function measureChangeStreams(
  bffUrls: readonly string[],
  notesOperationsUrl: string,
  settings: ChangeStreamSettings,
): Promise<ChangeStreamFigure> {
  const [first = ''] = bffUrls;
  const users = await createUsers(first, settings.users);
  const streams: OpenStream[] = [];
  const rssBefore = await groupRssBytes('bff');
  try {
    // In waves: a thousand first reads at once outlast the BFF's upstream deadline on a busy machine.
    for (let from = 0; from < users.length; from += usersOpeningAtOnce) {
      const wave = users
        .slice(from, from + usersOpeningAtOnce)
        .flatMap((user, offset) =>
          Array.from({ length: settings.streamsPerUser }, (_, i) =>
            openStream(bffUrls[(from + offset + i) % bffUrls.length] as string, user),
          ),
        );
      streams.push(...wave);
      await Promise.all(wave.map((stream) => stream.opened));
    }
    // Settled: the first pages sent, the sockets idle.
    await setTimeout(2_000);
    const rssKBPerStream = ((await groupRssBytes('bff')) - rssBefore) / 1000 / streams.length;
    await untilBothReplicasFollow(bffUrls, users[0] as BenchUser, streams.slice(0, settings.streamsPerUser));

    const [cpuBefore, readsBefore] = await Promise.all([cpuSnapshot(), feedReads(notesOperationsUrl)]);
    const sentAt = new Map<number, number>();
    let failedWrites = 0;
    const total = Math.round(settings.writesPerSecond * settings.seconds);
    const started = performance.now();
    const writes: Promise<void>[] = [];
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / settings.writesPerSecond;
      const wait = due - performance.now();
      if (wait > 0) await setTimeout(wait);
      const user = users[n % users.length] as BenchUser;
      const url = bffUrls[n % bffUrls.length] as string;
      sentAt.set(n, performance.now());
      writes.push(
        createNote(url, user, `stream-bench-${n}`).then((created) => {
          if (!created) {
            failedWrites++;
            sentAt.delete(n);
          }
        }),
      );
    }
    await Promise.all(writes);

    // A stream receives its owner's changes only: what it has is what it was sent.
    const received = () =>
      streams.reduce((sum, stream) => sum + [...stream.arrivals.keys()].filter(isBenchWrite).length, 0);
    const wanted = sentAt.size * settings.streamsPerUser;
    for (const deadline = performance.now() + 10_000; performance.now() < deadline && received() < wanted; ) {
      await setTimeout(100);
    }
    const [cpu, readsAfter] = await Promise.all([cpuSince(cpuBefore), feedReads(notesOperationsUrl)]);
    const latencies: number[] = [];
    for (const stream of streams) {
      for (const [title, arrived] of [...stream.arrivals].filter(([title]) => isBenchWrite(title))) {
        const sent = sentAt.get(Number(title.replace('stream-bench-', '')));
        if (sent !== undefined) latencies.push(arrived - sent);
      }
    }
    latencies.sort((a, b) => a - b);
    return {
      replicas: bffUrls.length,
      streams: streams.length,
      writesPerSecond: settings.writesPerSecond,
      writes: total,
      failedWrites,
      deliveries: latencies.length,
      missed: wanted - latencies.length,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(latencies.at(-1) ?? 0),
      rssKBPerStream: Math.round(rssKBPerStream * 10) / 10,
      feedReadsPerWrite: Math.round((100 * (readsAfter - readsBefore)) / total) / 100,
      cpuMsPerWrite: Object.fromEntries(
        Object.entries(cpu.byGroup).map(([group, seconds]) => [group, Math.round((100_000 * seconds) / total) / 100]),
      ),
    };
  } finally {
    for (const stream of streams) stream.request.destroy();
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

const isBenchWrite = (title: string) => title.startsWith('stream-bench-');

async function createNote(url: string, user: BenchUser, title: string): Promise<boolean> {
  const { response } = await createNotesApiClient(url, { token: user.token }).POST('/v1/notes', { body: { title } });
  return response.status === 201;
}

/**
 * Writes a note of `user` through each replica in turn until it reaches all of `streams` (the
 * user's, spread over the replicas): then every replica's consumer of notes.events has joined.
 */
async function untilBothReplicasFollow(bffUrls: readonly string[], user: BenchUser, streams: OpenStream[]) {
  const deadline = performance.now() + 60_000;
  for (let n = 0; ; n++) {
    const title = `stream-warm-up-${n}`;
    await createNote(bffUrls[n % bffUrls.length] as string, user, title);
    for (const waitUntil = performance.now() + 1_000; performance.now() < waitUntil; ) {
      if (streams.every((stream) => stream.arrivals.has(title))) return;
      await setTimeout(50);
    }
    if (performance.now() > deadline) throw new Error('the change streams did not follow notes.events within 60 s');
  }
}
