// Types only: @fastify/rate-limit adds createRateLimit to the instance and `rateLimit` to route config.
import type {} from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError } from './problem.ts';

// The counters live in this process (@fastify/rate-limit's in-memory LRU store, one per limit, of
// at most 5,000 client IPs, the least recently seen forgotten first): every BFF replica counts on
// its own.

/** At most `max` in a fixed window of `windowSeconds`, per client IP (request.ip: see http.trustProxy). */
export interface RateLimitSettings {
  max: number;
  windowSeconds: number;
}

function tooManyRequests(detail: string, retryAfterSeconds: number): ProblemError {
  return new ProblemError(429, detail, { headers: { 'retry-after': String(Math.max(1, retryAfterSeconds)) } });
}

function limiter(app: FastifyInstance, settings: RateLimitSettings) {
  return app.createRateLimit({ max: settings.max, timeWindow: settings.windowSeconds * 1000 });
}

/**
 * Counts every request of a client IP, before anything else is done for it (even authentication),
 * and answers 429 with Retry-After once there were more than `max` in the window. Routes whose
 * config says `rateLimit: false` (probes, metrics) are not counted. Needs @fastify/rate-limit
 * registered on `app`.
 */
export function limitRequestsPerIp(app: FastifyInstance, settings: RateLimitSettings): void {
  const countRequest = limiter(app, settings);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.rateLimit === false) return;
    const outcome = await countRequest(request);
    if (!outcome.isAllowed && outcome.isExceeded) {
      throw tooManyRequests('Too many requests from this address; retry later.', outcome.ttlInSeconds);
    }
  });
}

/** Failures (failed sign-ins) per client IP: once `max` failed in the window, no further try until it ends. */
export interface FailureLimit {
  /** Throws the 429 problem while the client IP has used up its failures. */
  assertMayTry(request: FastifyRequest): Promise<void>;
  recordFailure(request: FastifyRequest): Promise<void>;
}

export function limitFailuresPerIp(app: FastifyInstance, settings: RateLimitSettings, detail: string): FailureLimit {
  const countFailure = limiter(app, settings);
  return {
    async assertMayTry(request) {
      const outcome = await countFailure(request, { increment: false });
      if (!outcome.isAllowed && outcome.remaining === 0) throw tooManyRequests(detail, outcome.ttlInSeconds);
    },
    async recordFailure(request) {
      await countFailure(request);
    },
  };
}
