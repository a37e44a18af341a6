import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Logger } from '@notes/logger';
import { mtlsPeerContext, plaintextPeerContext } from './authorization.ts';
import { type GrpcTls, secureContextOptions } from './tls.ts';
import { tracingServerInterceptor } from './tracing.ts';

export interface GrpcServerOptions {
  host: string;
  port: number;
  routes: (router: ConnectRouter) => void;
  interceptors: Interceptor[];
  /** Mutual TLS with this identity; undefined serves cleartext h2c (only when a setting says so). */
  tls: GrpcTls | undefined;
  /** Told at start-up when the server runs without TLS. */
  logger: Logger;
}

export interface GrpcServer {
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight calls finish for up to graceMs, then drops the rest. */
  close(graceMs?: number): Promise<void>;
  /**
   * Serves new connections with renewed certificates and CA (connections already open keep theirs).
   * Throws when the server was started without TLS.
   */
  reloadTls(tls: GrpcTls): void;
}

/**
 * A gRPC server over HTTP/2 that also answers the Connect and gRPC-Web protocols. With tls, only
 * clients presenting a certificate issued by tls.ca get past the handshake (TLS 1.2 at least, ALPN
 * h2); without, cleartext h2c.
 */
export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  // Tracing outermost: its span covers the other interceptors, and what they log carries its ids.
  const { tls } = options;
  const handler = connectNodeAdapter({
    routes: options.routes,
    interceptors: [tracingServerInterceptor(), ...options.interceptors],
    // The caller's identity for authorizationInterceptor: its client certificate, or none (plaintext).
    contextValues: tls === undefined ? plaintextPeerContext : mtlsPeerContext(),
  });
  const secureServer =
    tls === undefined
      ? undefined
      : http2.createSecureServer(
          { ...secureContextOptions(tls), requestCert: true, rejectUnauthorized: true, allowHTTP1: false },
          handler,
        );
  // A refused handshake (no client certificate, another CA's, an expired one) says who tried.
  secureServer?.on('tlsClientError', (error, socket) =>
    options.logger.warn({ err: error.message, remoteAddress: socket.remoteAddress }, 'TLS handshake refused'),
  );
  const server = secureServer ?? http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  return {
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          if (tls === undefined) {
            options.logger.warn(
              'gRPC server without TLS (plaintext setting): calls are neither encrypted nor authenticated, and no caller is authorized by its identity',
            );
          }
          resolve(server.address() as AddressInfo);
        });
      }),
    close: (graceMs = 5_000) =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        const timer = setTimeout(() => {
          for (const session of sessions) session.destroy();
        }, graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        for (const session of sessions) session.close();
      }),
    reloadTls: (renewed) => {
      if (secureServer === undefined) throw new Error('the gRPC server was started without TLS');
      secureServer.setSecureContext(secureContextOptions(renewed));
    },
  };
}
