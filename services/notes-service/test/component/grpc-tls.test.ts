// main.ts and mutual TLS: it refuses to start without certificates unless GRPC_PLAINTEXT says so
// (and then warns), and takes renewed certificates on SIGHUP without a restart.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { createGrpcTransport, type GrpcTls } from '@notes/grpc';
import { type CertificateAuthority, createCertificateAuthority } from '@notes/local-infra';
import { createTestDatabase, type TestDatabase, testKafkaBrokers } from '@notes/testkit';

const mainFile = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
let database: TestDatabase;
let scratch: string;

before(async () => {
  database = await createTestDatabase('notes_tls');
  scratch = await mkdtemp(join(tmpdir(), 'notes-tls-'));
});

after(async () => {
  await database?.drop();
  await rm(scratch, { recursive: true, force: true });
});

function baseEnv(): Record<string, string> {
  return {
    NOTES_DB_DSN: database.url,
    KAFKA_BROKERS: testKafkaBrokers(),
    NOTES_GRPC_PORT: '0',
    NOTES_HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    SAGA_CONSUMER: 'false',
  };
}

interface Running {
  child: ChildProcess;
  /** The log lines up to "notes-service listening", parsed. */
  lines: Record<string, unknown>[];
  port: number;
}

/** main.ts with exactly this environment, once it logged that it listens. */
async function start(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [mainFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const lines: Record<string, unknown>[] = [];
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    lines.push(entry);
    if (entry.msg === 'notes-service listening') return { child, lines, port: entry.port as number };
  }
  throw new Error(`notes-service did not start: ${stderr}`);
}

async function stop(running: Running): Promise<void> {
  const exited = once(running.child, 'exit');
  running.child.kill('SIGTERM');
  await exited;
}

/** The PEM files a mounted Secret would hold. */
async function writeIdentity(tls: GrpcTls): Promise<Record<string, string>> {
  const files = {
    GRPC_TLS_CA: join(scratch, 'ca.crt'),
    GRPC_TLS_CERT: join(scratch, 'tls.crt'),
    GRPC_TLS_KEY: join(scratch, 'tls.key'),
  };
  await Promise.all([
    writeFile(files.GRPC_TLS_CA, tls.ca),
    writeFile(files.GRPC_TLS_CERT, tls.cert),
    writeFile(files.GRPC_TLS_KEY, tls.key, { mode: 0o600 }),
  ]);
  return files;
}

async function identity(ca: CertificateAuthority, name: string, hosts: string[]): Promise<GrpcTls> {
  return { ca: ca.cert, ...(await ca.issue(name, hosts)) };
}

/** Health/Check on a connection of its own. */
function check(port: number, tls: GrpcTls) {
  return createClient(Health, createGrpcTransport(`https://127.0.0.1:${port}`, { tls })).check(
    {},
    { timeoutMs: 5_000 },
  );
}

test('without certificates and without GRPC_PLAINTEXT it refuses to start, naming the setting', async () => {
  const child = spawn(process.execPath, [mainFile], { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 1);
  assert.match(
    stderr,
    /^notes-service: invalid setting grpcTls\.ca \(env GRPC_TLS_CA\): is required .*GRPC_PLAINTEXT=true/,
  );
});

test('GRPC_PLAINTEXT=true serves h2c and says so with a warning at start-up', async () => {
  const running = await start({ ...baseEnv(), GRPC_PLAINTEXT: 'true' });
  try {
    const warning = running.lines.find((line) => line.level === 40 && /without TLS/.test(String(line.msg)));
    assert.ok(warning, 'a warning that gRPC runs without TLS');
    const health = createClient(Health, createGrpcTransport(`http://127.0.0.1:${running.port}`, { tls: undefined }));
    assert.equal((await health.check({})).status, HealthCheckResponse_ServingStatus.SERVING);
  } finally {
    await stop(running);
  }
});

test('SIGHUP takes renewed certificates and CA from the same files, without a restart', async () => {
  const [oldCa, newCa] = await Promise.all([
    createCertificateAuthority('platform CA (before rotation)'),
    createCertificateAuthority('platform CA (after rotation)'),
  ]);
  const files = await writeIdentity(await identity(oldCa, 'notes-service', ['notes-service', '127.0.0.1']));
  const oldClient = await identity(oldCa, 'bff-rest', ['bff-rest']);
  const newClient = await identity(newCa, 'bff-rest', ['bff-rest']);
  const running = await start({ ...baseEnv(), ...files });
  try {
    assert.equal((await check(running.port, oldClient)).status, HealthCheckResponse_ServingStatus.SERVING);
    await assert.rejects(check(running.port, newClient), ConnectError, 'a client of the next CA is not trusted yet');

    await writeIdentity(await identity(newCa, 'notes-service', ['notes-service', '127.0.0.1']));
    const reloaded = (async () => {
      for await (const line of createInterface({ input: running.child.stdout as NodeJS.ReadableStream })) {
        if (JSON.parse(line).msg === 'gRPC certificates reloaded') return;
      }
    })();
    running.child.kill('SIGHUP');
    await reloaded;

    assert.equal((await check(running.port, newClient)).status, HealthCheckResponse_ServingStatus.SERVING);
    await assert.rejects(check(running.port, oldClient), (error: unknown) => {
      assert.ok(error instanceof ConnectError);
      assert.notEqual(error.code, Code.Unimplemented);
      return true;
    });
  } finally {
    await stop(running);
  }
});
