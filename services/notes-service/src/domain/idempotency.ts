/** How long an idempotency key holds: a request repeated later is a new request. */
export const idempotencyKeyLifetimeMs = 24 * 60 * 60 * 1000;

/** The oldest moment a key recorded then still holds at `now`. */
export function idempotencyKeysSince(now: Date): Date {
  return new Date(now.getTime() - idempotencyKeyLifetimeMs);
}

/** Whether two requests are the same one, by their fingerprints. */
export function sameFingerprint(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
