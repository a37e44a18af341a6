import { type CallOptions, Code, ConnectError } from '@connectrpc/connect';
import { UpstreamConnectTimeout } from '@notes/grpc';
import { backoffDelay } from '@notes/scheduling';

/** A unary method of a Connect client. */
export type UnaryCall<Request, Response> = (request: Request, options?: CallOptions) => Promise<Response>;

export interface RetryPolicy {
  /** Tries in all, the first one included; 1 means no retry. */
  attempts: number;
  /** The wait before the first retry; each further one waits twice as long (±25 % jitter). */
  backoffMs: number;
}

/**
 * The call, tried again while the upstream answers UNAVAILABLE (a replica restarting, a connection
 * dropped): only for idempotent reads. The call's timeoutMs is the deadline of all tries together:
 * each try gets what remains of it (sent along as grpc-timeout), and no retry starts that could
 * not end before it. An upstream that did not accept the connection in time is not tried again:
 * it is answered UNAVAILABLE at once.
 */
export function retryOnUnavailable<Request, Response>(
  call: UnaryCall<Request, Response>,
  policy: RetryPolicy,
): UnaryCall<Request, Response> {
  const backoff = { initialMs: policy.backoffMs, maxMs: Number.POSITIVE_INFINITY, jitter: 0.25 };
  return async (request, options = {}) => {
    const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const remainingMs = Math.max(1, Math.floor(deadline - Date.now()));
      try {
        return await call(request, Number.isFinite(deadline) ? { ...options, timeoutMs: remainingMs } : options);
      } catch (error) {
        const backoffMs = backoffDelay(attempt, backoff);
        const retry =
          attempt < policy.attempts &&
          isRetryable(error) &&
          Date.now() + backoffMs < deadline &&
          options.signal?.aborted !== true;
        if (!retry) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }
  };
}

function isRetryable(error: unknown): boolean {
  return (
    error instanceof ConnectError && error.code === Code.Unavailable && !(error.cause instanceof UpstreamConnectTimeout)
  );
}
