// POST /v1/notes with a fresh Idempotency-Key on every request beside the same requests without
// one, in interleaved rounds on one platform: what recording the key in the write's transaction
// costs (the lock, the look-up and the key's row). Goal: with ≥ 0.85 of the rate without.
import { randomUUID } from 'node:crypto';
import { median } from './figures.ts';
import { runLoad } from './load.ts';
import { type MeasuredFigure, measured } from './measure.ts';
import { notesTarget } from './targets.ts';
import type { BenchUser } from './users.ts';

export type IdempotencyVariant = 'without key' | 'with a fresh key';

export interface IdempotentCreateRun {
  variant: IdempotencyVariant;
  round: number;
  figure: MeasuredFigure;
}

export interface IdempotentCreate {
  connections: number;
  runs: IdempotentCreateRun[];
}

/** The create's requests, each with a key of its own when `withKey`. */
function createTarget(bffUrl: string, users: readonly BenchUser[], withKey: boolean) {
  const target = notesTarget(bffUrl, users, 'create');
  if (!withKey) return target;
  return {
    ...target,
    next: () => {
      const request = target.next();
      return { ...request, headers: { ...request.headers, 'idempotency-key': randomUUID() } };
    },
  };
}

export async function measureIdempotentCreate(
  bffUrl: string,
  users: readonly BenchUser[],
  options: { connections: number; seconds: number; warmUpSeconds: number; rounds: number },
): Promise<IdempotentCreate> {
  const runs: IdempotentCreateRun[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const variant of ['without key', 'with a fresh key'] as const) {
      const target = createTarget(bffUrl, users, variant === 'with a fresh key');
      await runLoad(target, { connections: options.connections, seconds: options.warmUpSeconds });
      runs.push({ variant, round, figure: await measured(() => runLoad(target, options)) });
    }
  }
  return { connections: options.connections, runs };
}

/** The median rate of each variant and their ratio (with ÷ without). */
export function idempotentCreateRates(result: IdempotentCreate) {
  const rate = (variant: IdempotencyVariant) =>
    median(result.runs.filter((run) => run.variant === variant).map((run) => run.figure.requestsPerSecond));
  const without = rate('without key');
  const withKey = rate('with a fresh key');
  return { without, withKey, ratio: withKey / without };
}
