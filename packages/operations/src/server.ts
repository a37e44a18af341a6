import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness.ts';

export interface OperationsServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  readiness: Readiness;
  /** The composition root's registry, exposed at /metrics. */
  registry: Registry;
}

export interface OperationsServer {
  /** Resolves with the bound port. */
  listen(): Promise<number>;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

const json = (status: number, body: object): Answer => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(body),
});

/**
 * A service's operations HTTP port: GET /healthz (the process lives), /readyz (its dependencies
 * answer; 503 naming those it cannot serve without, 200 naming those it serves without as
 * degraded) and /metrics (the Prometheus text format).
 */
export function createOperationsServer(options: OperationsServerOptions): OperationsServer {
  async function answer(method: string | undefined, path: string): Promise<Answer> {
    if (method !== 'GET') return json(405, { status: 'method not allowed' });
    if (path === '/healthz') return json(200, { status: 'ok' });
    if (path === '/readyz') {
      const { ready, failing, degraded } = await options.readiness.report();
      const named = { ...(failing.length > 0 ? { failing } : {}), ...(degraded.length > 0 ? { degraded } : {}) };
      return ready ? json(200, { status: 'ready', ...named }) : json(503, { status: 'not ready', ...named });
    }
    if (path === '/metrics') {
      return { status: 200, contentType: options.registry.contentType, body: await options.registry.metrics() };
    }
    return json(404, { status: 'not found' });
  }

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    void answer(request.method, path)
      .catch(() => json(500, { status: 'internal error' }))
      .then(({ status, contentType, body }) => {
        response.writeHead(status, { 'content-type': contentType, 'x-content-type-options': 'nosniff' });
        response.end(body);
      });
  });

  return {
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
