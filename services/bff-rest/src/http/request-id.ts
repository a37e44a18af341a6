import { randomUUID } from 'node:crypto';

/** What an incoming X-Request-Id may look like to be echoed (no spaces, quotes or control characters). */
const acceptableRequestId = /^[A-Za-z0-9._-]{1,128}$/;

/** The id of a request: the client's X-Request-Id when acceptable, else a new UUID. */
export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && acceptableRequestId.test(header) ? header : randomUUID();
}
