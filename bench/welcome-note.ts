// SignUpSaga's latency: sign-ups at a steady rate; for each, the time from the user's created_at
// (set just before the sign-up commits) to the welcome note's created_at (just before it commits),
// both stamped by the services on this machine's clock. The sign-up request (Argon2id hashing
// included) is what the client waits for, reported beside it.
//
// The welcome notes are looked for in notes-service's database, by one query for every sign-up
// still waiting: finding them through the API took a sign-in per sign-up (a second Argon2id hash)
// and a page read every 20 ms, which doubled auth-service's CPU and loaded the very cores whose
// latency is measured.
import { setTimeout } from 'node:timers/promises';
import pg from 'pg';
import { percentile } from './figures.ts';
import { signUp } from './users.ts';

export interface WelcomeNoteLatency {
  signUps: number;
  /** Sign-ups that failed or whose welcome note never showed: left out of the latencies. */
  failed: number;
  firstFailure?: string;
  perSecond: number;
  signUpToWelcomeNote: { p50Ms: number; p99Ms: number; maxMs: number };
  signUpRequest: { p50Ms: number; p99Ms: number };
}

const pollMs = 20;
const patienceMs = 30_000;

/** Resolves each owner's welcome note's created_at once it is committed; one query per poll for all. */
function watchWelcomeNotes(notesDatabaseUrl: string) {
  const client = new pg.Client({ connectionString: notesDatabaseUrl });
  const waiting = new Map<string, (createdAt: Date) => void>();
  let stopped = false;
  const poll = async () => {
    await client.connect();
    while (!stopped) {
      if (waiting.size > 0) {
        const { rows } = await client.query<{ owner_id: string; created_at: Date }>(
          "SELECT owner_id, created_at FROM notes WHERE kind = 'welcome' AND owner_id = ANY($1::uuid[])",
          [[...waiting.keys()]],
        );
        for (const row of rows) {
          waiting.get(row.owner_id)?.(row.created_at);
          waiting.delete(row.owner_id);
        }
      }
      await setTimeout(pollMs);
    }
    await client.end();
  };
  const polling = poll();
  return {
    welcomeNoteOf(ownerId: string): Promise<Date> {
      return new Promise((resolve, reject) => {
        const timer = globalThis.setTimeout(() => {
          waiting.delete(ownerId);
          reject(new Error(`no welcome note for ${ownerId} after ${patienceMs / 1000} s`));
        }, patienceMs);
        waiting.set(ownerId, (createdAt) => {
          clearTimeout(timer);
          resolve(createdAt);
        });
      });
    },
    async stop() {
      stopped = true;
      await polling;
    },
  };
}

export async function measureWelcomeNoteLatency(
  bffUrl: string,
  notesDatabaseUrl: string,
  options: { perSecond: number; seconds: number },
): Promise<WelcomeNoteLatency> {
  const watch = watchWelcomeNotes(notesDatabaseUrl);
  const oneSignUp = async (email: string) => {
    const started = performance.now();
    const { userId, createdAt } = await signUp(bffUrl, email);
    const requestMs = performance.now() - started;
    const welcomeNoteAt = await watch.welcomeNoteOf(userId);
    return { requestMs, sagaMs: welcomeNoteAt.getTime() - Date.parse(createdAt) };
  };
  const runs: Promise<{ requestMs: number; sagaMs: number }>[] = [];
  const run = Date.now();
  for (let i = 0; i < options.perSecond * options.seconds; i++) {
    runs.push(oneSignUp(`saga-bench-${run}-${i}@example.com`));
    await setTimeout(1000 / options.perSecond);
  }
  const settled = await Promise.allSettled(runs);
  await watch.stop();
  const results = settled.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  const failures = settled.filter((r) => r.status === 'rejected').map((r) => String(r.reason));
  const saga = results.map((r) => r.sagaMs).sort((a, b) => a - b);
  const request = results.map((r) => r.requestMs).sort((a, b) => a - b);
  return {
    signUps: settled.length,
    failed: failures.length,
    ...(failures[0] === undefined ? {} : { firstFailure: failures[0] }),
    perSecond: options.perSecond,
    signUpToWelcomeNote: { p50Ms: percentile(saga, 50), p99Ms: percentile(saga, 99), maxMs: saga.at(-1) ?? Number.NaN },
    signUpRequest: { p50Ms: Math.round(percentile(request, 50)), p99Ms: Math.round(percentile(request, 99)) },
  };
}
