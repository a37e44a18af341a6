// How long and how hard make bench measures: `full` (make bench, about 10-15 minutes) or
// `quick` (make bench-quick, about a minute: the same code with short runs, numbers not asserted).
// BENCH_SECONDS overrides the seconds per figure.

export interface BenchSettings {
  mode: 'full' | 'quick';
  /** Seconds per measured figure, after warmUpSeconds of the same load. */
  seconds: number;
  warmUpSeconds: number;
  connections: readonly number[];
  /** Users the HTTP load is spread over (owners the pgbench scripts spread theirs over). */
  users: number;
  /** Notes seed-notes.sql writes for pgbench's get-note.sql. */
  seededNotes: number;
  /** Rounds of the variants against production, interleaved. */
  variantRounds: number;
  relay: { events: number; batchSize: number; rate: number; latencySeconds: number };
  welcomeNote: { perSecond: number; seconds: number };
  /** Change streams over two BFF replicas: users × streamsPerUser streams, notes written at writesPerSecond. */
  changeStreams: { users: number; streamsPerUser: number; writesPerSecond: number; seconds: number };
  /** The pgbench binary. */
  pgbench: string;
}

export function benchSettings(argv: readonly string[], env: Record<string, string | undefined>): BenchSettings {
  const quick = argv.includes('--quick');
  const seconds = Number(env.BENCH_SECONDS ?? (quick ? 1 : 10));
  return {
    mode: quick ? 'quick' : 'full',
    seconds,
    warmUpSeconds: quick ? 1 : 3,
    connections: [1, 16, 64],
    users: quick ? 4 : 8,
    seededNotes: 2_000,
    variantRounds: quick ? 1 : 3,
    relay: quick
      ? { events: 5_000, batchSize: 500, rate: 1_000, latencySeconds: 2 }
      : { events: 200_000, batchSize: 500, rate: 1_000, latencySeconds: 15 },
    welcomeNote: quick ? { perSecond: 5, seconds: 2 } : { perSecond: 20, seconds: 10 },
    changeStreams: quick
      ? { users: 20, streamsPerUser: 5, writesPerSecond: 50, seconds: 2 }
      : { users: 200, streamsPerUser: 5, writesPerSecond: 200, seconds: 10 },
    pgbench: env.PGBENCH ?? 'pgbench',
  };
}
