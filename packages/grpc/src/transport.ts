import type { ClientHttp2Stream } from 'node:http2';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { Interceptor, Transport } from '@connectrpc/connect';
import { createGrpcTransport as createNodeGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { type GrpcTls, secureContextOptions } from './tls.ts';
import { tracingClientInterceptor } from './tracing.ts';

/** The connection to an upstream (TCP and, with TLS, the handshake) was not made within the connect timeout. */
export class UpstreamConnectTimeout extends Error {
  override name = 'UpstreamConnectTimeout';
  /** Read by Connect, which answers UNAVAILABLE for it. */
  readonly code = 'ETIMEDOUT';
}

export interface GrpcTransportOptions {
  /**
   * Mutual TLS with this identity: the client presents tls.cert and accepts only a server whose
   * certificate tls.ca issued for the host of baseUrl (a DNS name or IP address among its SANs).
   * undefined: cleartext h2c (only when a setting says so). The scheme of baseUrl follows this.
   * A function is asked at each new connection, so that reloaded certificates are presented from
   * the next connection on.
   */
  tls: GrpcTls | (() => GrpcTls) | undefined;
  interceptors?: Interceptor[];
  /** A connection not established by then fails the calls waiting for it with UNAVAILABLE. */
  connectTimeoutMs?: number;
}

/**
 * A gRPC (HTTP/2) client transport that keeps one session open to the upstream (pinged, closed
 * after 5 idle minutes), so a TLS handshake happens once per connection, not per call. Connection
 * attempts give up after connectTimeoutMs: an upstream that is down or unreachable is a quick
 * UNAVAILABLE, never a call hanging until its deadline.
 */
export function createGrpcTransport(baseUrl: string, options: GrpcTransportOptions): Transport {
  const { tls, connectTimeoutMs = 5_000 } = options;
  const url = new URL(baseUrl);
  url.protocol = tls === undefined ? 'http:' : 'https:';
  const upstream = url.href.replace(/\/$/, '');
  return createNodeGrpcTransport({
    baseUrl: upstream,
    // No compressed answers: on the internal hop gzip cost both ends CPU (6.5 % of bff-rest's under
    // a page of notes, deflate in notes-service) and saved bytes nobody pays for.
    acceptCompression: [],
    interceptors: [tracingClientInterceptor(), ...(options.interceptors ?? [])],
    sessionManager: new ReadingSessionManager(
      upstream,
      { pingIntervalMs: 30_000, idleConnectionTimeoutMs: 5 * 60_000 },
      { createConnection: (authority: URL) => connectWithin(authority, tls, connectTimeoutMs) },
    ),
  });
}

/**
 * Node 24.20 and later (nodejs/node#65677) fail the async iteration of an HTTP/2 stream begun after
 * the stream closed, that is after its whole response (headers, messages, trailers) arrived, with
 * ERR_STREAM_PREMATURE_CLOSE, though the response is complete and buffered. Connect reads responses
 * that way, and a busy client (bff-rest under load, more so over TLS) often gets the whole response
 * before it starts reading: the call failed as UNKNOWN "Premature close". Starting the iteration as
 * the stream opens, before it can close, reads such a response whole.
 */
class ReadingSessionManager extends Http2SessionManager {
  override async request(...args: Parameters<Http2SessionManager['request']>): Promise<ClientHttp2Stream> {
    return readFromTheStart(await super.request(...args));
  }
}

function readFromTheStart(stream: ClientHttp2Stream): ClientHttp2Stream {
  const chunks = stream[Symbol.asyncIterator]();
  const nextChunk = chunks.next.bind(chunks);
  let started: ReturnType<typeof nextChunk> | undefined = nextChunk();
  // A call that fails before its response is read fails with Connect's error for it, not this one.
  started.catch(() => undefined);
  chunks.next = () => {
    const next = started ?? nextChunk();
    started = undefined;
    return next;
  };
  stream[Symbol.asyncIterator] = () => chunks;
  return stream;
}

function connectWithin(authority: URL, identity: GrpcTransportOptions['tls'], timeoutMs: number): Socket {
  const tls = typeof identity === 'function' ? identity() : identity;
  const host = authority.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(authority.port || (authority.protocol === 'https:' ? 443 : 80));
  const socket =
    tls === undefined
      ? connectTcp({ host, port })
      : connectTls({
          host,
          port,
          // SNI takes DNS names only; the server certificate is checked against host either way.
          ...(isIP(host) === 0 ? { servername: host } : {}),
          ...secureContextOptions(tls),
          ALPNProtocols: ['h2'],
        });
  const timer = setTimeout(
    () => socket.destroy(new UpstreamConnectTimeout(`no connection to ${authority.host} within ${timeoutMs} ms`)),
    timeoutMs,
  );
  socket
    .once(tls === undefined ? 'connect' : 'secureConnect', () => clearTimeout(timer))
    .once('close', () => clearTimeout(timer));
  return socket;
}
