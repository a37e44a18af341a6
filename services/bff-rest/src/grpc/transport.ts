import { connect } from 'node:net';
import type { Transport } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';

/** The connection to an upstream could not be made within the connect timeout. */
export class UpstreamConnectTimeout extends Error {
  override name = 'UpstreamConnectTimeout';
  /** Read by Connect, which answers UNAVAILABLE for it. */
  readonly code = 'ETIMEDOUT';
}

export interface UpstreamTransportOptions {
  /** A connection not established by then fails the calls waiting for it with UNAVAILABLE. */
  connectTimeoutMs: number;
}

/**
 * A gRPC (HTTP/2, cleartext) transport to an upstream, keeping one session open, whose connection
 * attempts give up after connectTimeoutMs: an upstream that is down or unreachable is a quick
 * UNAVAILABLE (503), never a request hanging until its deadline.
 */
export function createUpstreamTransport(baseUrl: string, options: UpstreamTransportOptions): Transport {
  return createGrpcTransport({
    baseUrl,
    pingIntervalMs: 30_000,
    idleConnectionTimeoutMs: 5 * 60_000,
    nodeOptions: { createConnection: (authority: URL) => connectWithin(authority, options.connectTimeoutMs) },
  });
}

function connectWithin(authority: URL, timeoutMs: number) {
  const socket = connect({
    host: authority.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(authority.port || (authority.protocol === 'https:' ? 443 : 80)),
  });
  const timer = setTimeout(
    () => socket.destroy(new UpstreamConnectTimeout(`no connection to ${authority.host} within ${timeoutMs} ms`)),
    timeoutMs,
  );
  socket.once('connect', () => clearTimeout(timer)).once('close', () => clearTimeout(timer));
  return socket;
}
