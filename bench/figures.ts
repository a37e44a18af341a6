// The shape every load figure has, whoever measured it (autocannon over HTTP, pgbench over SQL).
import { percentile } from './outbox/infra.ts';

export { percentile };

export interface LoadFigure {
  /** Successful requests (2xx) or committed transactions. */
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  /** Connection errors and timeouts, non-2xx answers, failed transactions. */
  errors: number;
  /** The non-2xx answers by status code. */
  errorStatuses?: Record<string, number>;
}

export function median(values: readonly number[]): number {
  return percentile(
    values.toSorted((a, b) => a - b),
    50,
  );
}
