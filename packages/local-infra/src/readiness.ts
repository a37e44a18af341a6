import http2 from 'node:http2';

/**
 * Polls until check() resolves true, or throws after timeoutMs naming what never became ready, or
 * at once when hopeless() gives a reason (e.g. the process exited).
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  hopeless: () => string | undefined = () => undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const reason = hopeless();
    if (reason !== undefined) throw new Error(`${what} will not be ready: ${reason}`);
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} was not ready after ${timeoutMs} ms`);
}

/**
 * True when the gRPC server at baseUrl answers grpc.health.v1.Health/Check with SERVING. Uses the
 * Connect protocol (unary JSON over HTTP/2) on a session of its own that it closes, so polling
 * leaves no connection behind. With tls, over mutual TLS presenting that identity (and checking
 * the server's certificate against tls.ca and the host of baseUrl).
 */
export function grpcServing(baseUrl: string, tls?: { ca: string; cert: string; key: string }): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    url.protocol = tls === undefined ? 'http:' : 'https:';
    const session = http2.connect(url, tls === undefined ? {} : { ...tls, minVersion: 'TLSv1.2' });
    session.once('error', reject);
    session.setTimeout(1_000, () => session.destroy(new Error('health check timed out')));
    const request = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/json',
    });
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.once('error', reject);
    request.once('end', () => {
      session.close();
      resolve(body.includes('"SERVING"'));
    });
    request.end('{}');
  });
}

/** True when GET url answers 200. */
export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  await response.body?.cancel();
  return response.status === 200;
}
