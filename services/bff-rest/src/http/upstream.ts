import { type Timestamp, timestampDate } from '@bufbuild/protobuf/wkt';
import type { CallOptions } from '@connectrpc/connect';
import type { FastifyRequest } from 'fastify';

/** The options of the gRPC calls made for a request. */
export type CallOptionsFor = (request: FastifyRequest) => CallOptions;

/** Every upstream call gets a deadline, and carries the request id into the upstream's logs. */
export function upstreamCallOptions(timeoutMs: number): CallOptionsFor {
  return (request) => ({ timeoutMs, headers: { 'x-request-id': request.id } });
}

/** A field an upstream response must carry; without it the upstream is broken (a 500 here). */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`upstream response without ${what}`);
  return value;
}

/** A protobuf Timestamp as the API's time: RFC 3339, UTC, milliseconds. */
export function isoTime(timestamp: Timestamp | undefined, what: string): string {
  return timestampDate(required(timestamp, what)).toISOString();
}
