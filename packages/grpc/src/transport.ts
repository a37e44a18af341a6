import type { Interceptor, Transport } from '@connectrpc/connect';
import { createGrpcTransport as createNodeGrpcTransport } from '@connectrpc/connect-node';

/** A gRPC (HTTP/2) client transport that keeps one session open to the upstream. */
export function createGrpcTransport(baseUrl: string, interceptors: Interceptor[] = []): Transport {
  return createNodeGrpcTransport({
    baseUrl,
    interceptors,
    pingIntervalMs: 30_000,
    idleConnectionTimeoutMs: 5 * 60_000,
  });
}
