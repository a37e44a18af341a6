// Where the services export their traces during the benchmark: an OTLP/HTTP endpoint that
// accepts every export (POST /v1/traces, /v1/metrics, /v1/logs) with an empty success answer and
// counts what it got, so that the report can tell whether tracing really exported anything.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSink {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT: the exporters append /v1/traces. */
  endpoint: string;
  /** Exports received so far, and their bytes. */
  received(): { exports: number; bytes: number };
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  let exports = 0;
  let bytes = 0;
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.byteLength;
    });
    request.on('end', () => {
      if (request.method !== 'POST' || !/^\/v1\/(traces|metrics|logs)$/.test(request.url ?? '')) {
        response.writeHead(404).end();
        return;
      }
      exports += 1;
      // An empty Export*ServiceResponse: zero bytes in protobuf, {} in JSON.
      const json = request.headers['content-type']?.startsWith('application/json') === true;
      response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      response.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received: () => ({ exports, bytes }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
