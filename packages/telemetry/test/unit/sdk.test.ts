import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '@notes/logger';
import { trace } from '@opentelemetry/api';
import { tracingEnabled } from '../../src/index.ts';
import { startTelemetry } from '../../src/sdk.ts';

const silent = createLogger({
  service: 'test',
  level: 'info',
  destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
});

test('without an endpoint nothing is registered', async () => {
  const telemetry = await startTelemetry({ serviceName: 'auth-service', env: {}, logger: silent });
  assert.equal(telemetry.settings.enabled, false);
  assert.equal(tracingEnabled(), false);
  assert.equal(trace.getTracer('test').startSpan('free').isRecording(), false);
  await telemetry.shutdown();
});

test('with one, spans are exported over OTLP/HTTP with the service name, and shutdown flushes them', async () => {
  const bodies: string[] = [];
  const collector = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      if (request.url === '/v1/traces') bodies.push(body);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = collector.address() as AddressInfo;
    const telemetry = await startTelemetry({
      serviceName: 'notes-service',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      logger: silent,
    });
    assert.equal(tracingEnabled(), true);
    trace.getTracer('test').startSpan('exported span').end();
    await telemetry.shutdown();
    assert.equal(tracingEnabled(), false, 'unregistered after shutdown');
    const exported = bodies.join('\n');
    assert.match(exported, /"exported span"/);
    assert.match(exported, /"service\.name","value":\{"stringValue":"notes-service"\}/);
  } finally {
    collector.close();
  }
});
