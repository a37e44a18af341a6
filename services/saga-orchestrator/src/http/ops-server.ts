import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OpsServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** True when the service can do its work (its database answers); a rejection counts as false. */
  isReady: () => Promise<boolean>;
  metrics: () => Promise<{ contentType: string; text: string }>;
}

export interface OpsServer {
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

/** The operations endpoints: GET /healthz (the process lives), /readyz (it can work), /metrics (Prometheus). */
export function createOpsServer(options: OpsServerOptions): OpsServer {
  async function answer(method: string | undefined, path: string): Promise<Answer> {
    if (method !== 'GET') return json(405, { status: 'method not allowed' });
    if (path === '/healthz') return json(200, { status: 'ok' });
    if (path === '/readyz') {
      const ready = await options.isReady().catch(() => false);
      return json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
    }
    if (path === '/metrics') {
      const { contentType, text } = await options.metrics();
      return { status: 200, contentType, body: text };
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
