import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/index.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'test-service', level: 'info', destination }) };
}

test('credentials are redacted wherever they are logged', () => {
  const { lines, logger } = capture();
  logger.info(
    {
      password: 'hunter2hunter2',
      body: { password: 'p2', refresh_token: 'rt' },
      req: { headers: { authorization: 'Bearer x.y.z' } },
    },
    'request',
  );
  const text = JSON.stringify(lines);
  for (const secret of ['hunter2hunter2', '"p2"', '"rt"', 'Bearer x.y.z']) assert.ok(!text.includes(secret), secret);
  assert.equal(lines[0]?.service, 'test-service');
});

test('errors keep their message and code but not the database client attached to them', () => {
  const { lines, logger } = capture();
  const error = Object.assign(new Error('terminating connection'), { code: '57P01', client: { password: 'pw' } });
  logger.warn({ err: error }, 'idle connection failed');
  const logged = lines[0]?.err as Record<string, unknown>;
  assert.equal(logged.message, 'terminating connection');
  assert.equal(logged.code, '57P01');
  assert.equal(logged.client, undefined);
});
