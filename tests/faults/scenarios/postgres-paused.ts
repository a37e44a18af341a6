// PostgreSQL frozen (SIGSTOP, server and backends) under reads and writes: bounded 503/504, then recovery.

import { authorization, createNotesApiClient } from '@notes/api-client';
import { createPool } from '@notes/postgres';
import type { RunningPlatform } from '../../e2e/platform.ts';
import { emptyObservation, type Scenario, sleep } from '../observation.ts';
import { quantile, runWorkload } from '../workload.ts';

/** Requests answered while PostgreSQL is paused, and how soon after it the API answers again. */
export const postgresPaused: Scenario = {
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
