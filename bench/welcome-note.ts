// SignUpSaga's latency: sign-ups at a steady rate; for each, the time from the user's created_at
// (set just before the sign-up commits) to the welcome note's created_at (just before it commits),
// both stamped by the services on this machine's clock. The sign-up request (Argon2id hashing
// included) is what the client waits for, reported beside it.
import { setTimeout } from 'node:timers/promises';
import { percentile } from './figures.ts';
import { firstPage, signIn, signUp } from './users.ts';

export interface WelcomeNoteLatency {
  signUps: number;
  /** Sign-ups that failed or whose welcome note never showed: left out of the latencies. */
  failed: number;
  firstFailure?: string;
  perSecond: number;
  signUpToWelcomeNote: { p50Ms: number; p99Ms: number; maxMs: number };
  signUpRequest: { p50Ms: number; p99Ms: number };
}

async function oneSignUp(bffUrl: string, email: string): Promise<{ requestMs: number; sagaMs: number }> {
  const started = performance.now();
  const { createdAt } = await signUp(bffUrl, email);
  const requestMs = performance.now() - started;
  const token = await signIn(bffUrl, email);
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await setTimeout(20)) {
    const [welcome] = await firstPage(bffUrl, token);
    if (welcome) return { requestMs, sagaMs: Date.parse(welcome.created_at) - Date.parse(createdAt) };
  }
  throw new Error(`no welcome note for ${email} after 30 s`);
}

export async function measureWelcomeNoteLatency(
  bffUrl: string,
  options: { perSecond: number; seconds: number },
): Promise<WelcomeNoteLatency> {
  const runs: Promise<{ requestMs: number; sagaMs: number }>[] = [];
  const run = Date.now();
  for (let i = 0; i < options.perSecond * options.seconds; i++) {
    runs.push(oneSignUp(bffUrl, `saga-bench-${run}-${i}@example.com`));
    await setTimeout(1000 / options.perSecond);
  }
  const settled = await Promise.allSettled(runs);
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
