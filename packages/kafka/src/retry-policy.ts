import { backoffDelay as exponentialBackoff } from '@notes/scheduling';

export interface RetryPolicy {
  /** How many times the handler runs for one message before it is dead-lettered (≥ 1). */
  attempts: number;
  /** The wait after the first failure; it doubles after each further one... */
  initialDelayMs: number;
  /** ...up to this. */
  maxDelayMs: number;
}

export const defaultRetryPolicy: Readonly<RetryPolicy> = { attempts: 5, initialDelayMs: 100, maxDelayMs: 5000 };

/** The wait after the n-th consecutive failure (n ≥ 1): initialDelayMs · 2^(n-1), capped at maxDelayMs. */
export function backoffDelay(failures: number, policy: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>): number {
  return exponentialBackoff(failures, { initialMs: policy.initialDelayMs, maxMs: policy.maxDelayMs });
}

/** The waits between the attempts of one message: attempts - 1 of them. */
export function retrySchedule(policy: RetryPolicy): number[] {
  return Array.from({ length: Math.max(0, policy.attempts - 1) }, (_, index) => backoffDelay(index + 1, policy));
}

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...defaultRetryPolicy, ...withoutUndefined(overrides) };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new Error(`retry.attempts must be an integer ≥ 1, not ${policy.attempts}`);
  }
  for (const name of ['initialDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(policy[name]) || policy[name] < 0) throw new Error(`retry.${name} must be ≥ 0`);
  }
  return policy;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
