import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, withLogFields } from '../../src/index.ts';

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

test('tokens, keys and connection strings are redacted as gRPC messages and settings name them too', () => {
  const { lines, logger } = capture();
  logger.info(
    {
      request: { refreshToken: 'rt-camel', email: 'a@example.com' },
      tokens: { accessToken: 'at-camel' },
      jwt: { privateKey: '-----BEGIN PRIVATE KEY-----abc' },
      database: { dsn: 'postgres://notes:db-secret@db/notes' },
      connectionString: 'postgres://notes:db-secret-2@db/notes',
    },
    'settings',
  );
  const text = JSON.stringify(lines);
  for (const secret of ['rt-camel', 'at-camel', 'BEGIN PRIVATE KEY', 'db-secret'])
    assert.ok(!text.includes(secret), secret);
  assert.ok(text.includes('a@example.com'), 'other fields stay');
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

test('lines written inside withLogFields carry its fields, nested ones added to the enclosing', async () => {
  const { lines, logger } = capture();
  await withLogFields({ request_id: 'req-1' }, async () => {
    await new Promise((resolve) => setImmediate(resolve));
    logger.info('in the request');
    withLogFields({ correlation_id: 'saga-1' }, () => logger.info('in the saga step'));
  });
  logger.info('outside');
  assert.equal(lines[0]?.request_id, 'req-1');
  assert.equal(lines[0]?.correlation_id, undefined);
  assert.equal(lines[1]?.request_id, 'req-1');
  assert.equal(lines[1]?.correlation_id, 'saga-1');
  assert.equal(lines[2]?.request_id, undefined);
  assert.equal(lines[2]?.trace_id, undefined, 'no trace ids without tracing');
});

test("a line's own fields stay on that line, outside and inside withLogFields", async () => {
  const { lines, logger } = capture();
  logger.info({ email: 'ann@example.com' }, 'first');
  logger.info('second');
  await withLogFields({ request_id: 'req-7' }, async () => {
    logger.info({ note_id: 'n-1' }, 'third');
    logger.info('fourth');
  });
  assert.equal(lines[1]?.email, undefined);
  assert.equal(lines[3]?.note_id, undefined);
  assert.equal(lines[3]?.request_id, 'req-7');
});
