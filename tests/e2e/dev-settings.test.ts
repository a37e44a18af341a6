// make dev's launcher (scripts/dev.ts) gives each service its shell's environment: a documented
// setting set in that shell reaches the service that reads it. One setting per service, each
// with an effect seen from outside.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { freePlatformPorts, type PlatformPorts } from '@notes/local-infra';
import { createTestDatabase, type TestDatabase, testKafkaBrokers } from '@notes/testkit';

const root = resolve(import.meta.dirname, '../..');
const rateLimit = 5;
const accessTtlSeconds = 120;
let ports: PlatformPorts;
let databases: TestDatabase[];
let dataDir: string;
let launcher: ReturnType<typeof spawn>;
const output: string[] = [];

before(async () => {
  ports = await freePlatformPorts();
  databases = await Promise.all(['dev_auth', 'dev_notes', 'dev_saga'].map((name) => createTestDatabase(name)));
  const [auth, notes, saga] = databases.map((database) => database.url) as [string, string, string];
  dataDir = await mkdtemp(join(tmpdir(), 'notes-dev-settings-'));
  launcher = spawn(process.execPath, [join(root, 'scripts', 'dev.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      DEV_DATA_DIR: dataDir,
      AUTH_DB_DSN: auth,
      NOTES_DB_DSN: notes,
      SAGA_DB_DSN: saga,
      KAFKA_BROKERS: testKafkaBrokers(),
      BFF_HTTP_PORT: String(ports.bff),
      AUTH_GRPC_PORT: String(ports.auth),
      NOTES_GRPC_PORT: String(ports.notes),
      SAGA_GRPC_PORT: String(ports.saga),
      AUTH_HTTP_PORT: String(ports.authHttp),
      NOTES_HTTP_PORT: String(ports.notesHttp),
      SAGA_HTTP_PORT: String(ports.sagaHttp),
      // The settings under test: the BFF's, auth-service's, notes-service's and the orchestrator's.
      RATE_LIMIT_PER_IP_MAX: String(rateLimit),
      JWT_ACCESS_TTL_SECONDS: String(accessTtlSeconds),
      NOTES_HTTP_HOST: '0.0.0.0',
      SAGA_HTTP_HOST: '0.0.0.0',
    },
  });
  const ready = Promise.withResolvers<void>();
  const collect = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.join('').includes('Notes platform ready')) ready.resolve();
  };
  launcher.stdout?.on('data', collect);
  launcher.stderr?.on('data', collect);
  launcher.once('exit', (code) => ready.reject(new Error(`make dev exited with ${code}:\n${output.join('')}`)));
  await ready.promise;
});

after(async () => {
  if (launcher.exitCode === null) {
    launcher.kill('SIGTERM');
    await once(launcher, 'exit');
  }
  await Promise.all(databases.map((database) => database.drop()));
  await rm(dataDir, { recursive: true, force: true });
});

const bff = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${ports.bff}${path}`, init);
const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

test('auth-service and bff-rest read the shell: tokens live JWT_ACCESS_TTL_SECONDS, the limit is RATE_LIMIT_PER_IP_MAX', async () => {
  const credentials = { email: `dev-settings-${Date.now()}@example.com`, password: 'correct horse battery' };
  assert.equal((await bff('/v1/auth/sign-up', json(credentials))).status, 201);
  const signIn = await bff('/v1/auth/sign-in', json(credentials));
  assert.equal(signIn.status, 200);
  const pair = (await signIn.json()) as { access_token: string; expires_in: number };
  assert.equal(pair.expires_in, accessTtlSeconds);
  const headers = { authorization: `Bearer ${pair.access_token}` };
  const statuses: number[] = [];
  for (let request = 0; request < rateLimit - 1; request++) statuses.push((await bff('/v1/notes', { headers })).status);
  // Two requests above and three here make the limit; the next is refused.
  assert.deepEqual(statuses, [200, 200, 200, 429]);
});

test('notes-service and saga-orchestrator read the shell: their operations ports listen on NOTES_HTTP_HOST and SAGA_HTTP_HOST', async () => {
  // 127.0.0.2 reaches a port bound to 0.0.0.0, never one bound to the default 127.0.0.1.
  for (const port of [ports.notesHttp, ports.sagaHttp]) {
    assert.equal((await fetch(`http://127.0.0.2:${port}/healthz`)).status, 200);
  }
  await assert.rejects(fetch(`http://127.0.0.2:${ports.authHttp}/healthz`));
});

test('make dev stops on SIGTERM with every service', async () => {
  launcher.kill('SIGTERM');
  const [code] = await once(launcher, 'exit');
  assert.equal(code, 0);
});
