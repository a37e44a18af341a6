import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Counter } from 'prom-client';
import { createReadiness } from '../../src/readiness.ts';
import { createMetricsRegistry } from '../../src/registry.ts';
import { createOperationsServer, type OperationsServer } from '../../src/server.ts';

let kafkaAnswers = true;
const registry = createMetricsRegistry();
const served = new Counter({ name: 'test_served_total', help: 'A series of the service.', registers: [registry] });
let server: OperationsServer;
let base: string;

before(async () => {
  server = createOperationsServer({
    host: '127.0.0.1',
    port: 0,
    registry,
    readiness: createReadiness([
      { name: 'database', check: async () => undefined },
      { name: 'kafka', check: async () => (kafkaAnswers ? undefined : Promise.reject(new Error('no broker'))) },
      {
        name: 'broker',
        check: async () => (kafkaAnswers ? undefined : Promise.reject(new Error('no broker'))),
        degradesOnly: true,
      },
    ]),
  });
  base = `http://127.0.0.1:${await server.listen()}`;
});
after(async () => {
  await server.close();
});

test('/healthz answers 200 while the process lives', async () => {
  const response = await fetch(`${base}/healthz`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: 'ok' });
});

test('/readyz is 200 when every dependency answers, else 503 naming those it cannot serve without', async () => {
  kafkaAnswers = true;
  const ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready' });

  kafkaAnswers = false;
  const notReady = await fetch(`${base}/readyz`);
  assert.equal(notReady.status, 503);
  assert.equal(notReady.headers.get('content-type'), 'application/json');
  assert.deepEqual(await notReady.json(), { status: 'not ready', failing: ['kafka'], degraded: ['broker'] });
});

test("/metrics serves the registry: the service's series and the Node runtime's", async () => {
  served.inc(3);
  const response = await fetch(`${base}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  assert.match(text, /^test_served_total 3$/m);
  assert.match(text, /^# TYPE nodejs_eventloop_lag_seconds gauge$/m);
  assert.match(text, /^# TYPE nodejs_heap_size_used_bytes gauge$/m);
});

test('other paths are 404, other methods 405', async () => {
  assert.equal((await fetch(`${base}/nowhere`)).status, 404);
  assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
});
