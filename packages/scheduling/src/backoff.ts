/** An exponential backoff: the wait after the first failure, doubled after each further one, up to a cap. */
export interface Backoff {
  /** The wait after the first failure. */
  readonly initialMs: number;
  /** The longest wait (Infinity: no cap). */
  readonly maxMs: number;
  /** Spreads the waits of many callers by ± this fraction, at random (0.25: ±25 %); none by default. */
  readonly jitter?: number;
}

/**
 * The wait after the n-th consecutive failure (n ≥ 1): initialMs · 2^(n-1), capped at maxMs, then
 * jittered. The exponent stops at 30, so a long run of failures never overflows to Infinity · 0.
 */
export function backoffDelay(failures: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** exponent);
  const jitter = backoff.jitter ?? 0;
  return jitter === 0 ? delay : delay * (1 - jitter + 2 * jitter * random());
}
