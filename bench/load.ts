// HTTP load with autocannon's programmatic API, in this process: `connections` keep-alive
// connections, each sending its next request as soon as the previous one is answered.
import autocannon from 'autocannon';
import type { LoadFigure } from './figures.ts';

export interface LoadTarget {
  /** The server's origin, e.g. http://127.0.0.1:8080. */
  origin: string;
  method: 'GET' | 'POST';
  body?: string;
  /** The path and headers of each request: lets the load spread over users and notes. */
  next: () => { path: string; headers?: Record<string, string> };
}

export async function runLoad(
  target: LoadTarget,
  options: { connections: number; seconds: number },
): Promise<LoadFigure> {
  const result = await autocannon({
    url: target.origin,
    connections: options.connections,
    duration: options.seconds,
    method: target.method,
    ...(target.body === undefined ? {} : { body: target.body, headers: { 'content-type': 'application/json' } }),
    requests: [
      {
        setupRequest: (request) => {
          const { path, headers } = target.next();
          return { ...request, path, headers: { ...request.headers, ...headers } };
        },
      },
    ],
  });
  const ok = result['2xx'];
  return {
    requests: ok,
    requestsPerSecond: Math.round(ok / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    p999Ms: result.latency.p99_9,
    errors: result.errors + result.non2xx,
    errorStatuses: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {})
        .filter(([status]) => !status.startsWith('2'))
        .map(([status, { count = 0 }]) => [status, count]),
    ),
  };
}
