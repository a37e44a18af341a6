import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '@notes/config';
import { composeBff } from '../../src/compose.ts';
import { loadBffConfig } from '../../src/config.ts';
import { FakeUpstreams, generateSigningKeys, mintAccessToken, type SigningKeys } from './fakes.ts';

const mainFile = join(import.meta.dirname, '..', '..', 'src', 'main.ts');

let keys: SigningKeys;
let scratch: string;
before(async () => {
  keys = await generateSigningKeys();
  scratch = await mkdtemp(join(tmpdir(), 'bff-rest-test-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

describe('loadBffConfig', () => {
  it('reads config.yaml, with the environment winning', () => {
    const config = loadBffConfig({
      env: {
        GRPC_PLAINTEXT: 'true',
        JWT_PUBLIC_KEY: keys.publicKeyPem,
        BFF_HTTP_PORT: '9090',
        NOTES_GRPC_URL: 'http://notes:1234',
      },
    });
    assert.deepEqual(config.http, { host: '127.0.0.1', port: 9090, bodyLimitBytes: 1_048_576, trustProxy: '' });
    assert.deepEqual(config.upstreams, {
      authUrl: 'http://127.0.0.1:50051',
      notesUrl: 'http://notes:1234',
      sagaUrl: 'http://127.0.0.1:50053',
      timeoutMs: 5_000,
      connectTimeoutMs: 1_000,
      readAttempts: 3,
      retryBackoffMs: 50,
    });
    assert.deepEqual(config.rateLimits, {
      perIp: { max: 600, windowSeconds: 60 },
      failedSignInsPerIp: { max: 50, windowSeconds: 900 },
    });
    assert.deepEqual(config.jwt, {
      publicKey: keys.publicKeyPem,
      issuer: 'notes-platform',
      audience: 'notes-api',
      jwksRefetchIntervalMs: 5_000,
      jwksMaxAgeMs: 300_000,
    });
    assert.equal(config.log.level, 'info');
    const withSaga = loadBffConfig({
      env: { GRPC_PLAINTEXT: 'true', JWT_PUBLIC_KEY: keys.publicKeyPem, SAGA_GRPC_URL: 'http://saga:4321' },
    });
    assert.equal(withSaga.upstreams.sagaUrl, 'http://saga:4321');
  });

  it('reads the limits from the environment', () => {
    const config = loadBffConfig({
      env: {
        GRPC_PLAINTEXT: 'true',
        RATE_LIMIT_PER_IP_MAX: '1000',
        RATE_LIMIT_PER_IP_WINDOW_SECONDS: '10',
        RATE_LIMIT_FAILED_SIGN_INS_PER_IP_MAX: '5',
        RATE_LIMIT_FAILED_SIGN_INS_PER_IP_WINDOW_SECONDS: '60',
        BFF_TRUST_PROXY: '10.0.0.0/8',
        UPSTREAM_TIMEOUT_MS: '2000',
        UPSTREAM_CONNECT_TIMEOUT_MS: '300',
      },
    });
    assert.deepEqual(config.rateLimits, {
      perIp: { max: 1_000, windowSeconds: 10 },
      failedSignInsPerIp: { max: 5, windowSeconds: 60 },
    });
    assert.equal(config.http.trustProxy, '10.0.0.0/8');
    assert.equal(config.upstreams.timeoutMs, 2_000);
    assert.equal(config.upstreams.connectTimeoutMs, 300);
  });

  it('needs no pinned public key: tokens are verified with the JWKS of auth-service', () => {
    assert.equal(loadBffConfig({ env: { GRPC_PLAINTEXT: 'true' } }).jwt.publicKey, undefined);
  });

  it('reads the public key from a file when the setting is a path', async () => {
    const file = join(scratch, 'public.pem');
    await writeFile(file, keys.publicKeyPem);
    assert.equal(
      loadBffConfig({ env: { GRPC_PLAINTEXT: 'true', JWT_PUBLIC_KEY: file } }).jwt.publicKey,
      keys.publicKeyPem,
    );
  });

  it('rejects a missing, unreadable or unsuitable key with a ConfigError naming it', () => {
    const { privateKey: rsaPrivate } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { publicKey: ecPublic } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const unsuitable = [
      join(scratch, 'missing.pem'),
      '-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----',
      rsaPrivate.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ecPublic.export({ type: 'spki', format: 'pem' }).toString(),
    ];
    for (const setting of unsuitable) {
      assert.throws(
        () => loadBffConfig({ env: { GRPC_PLAINTEXT: 'true', JWT_PUBLIC_KEY: setting } }),
        (error) => error instanceof ConfigError && /jwt/.test(error.message),
        String(setting),
      );
    }
  });

  it('rejects a bad port with a ConfigError naming its variable', () => {
    assert.throws(
      () =>
        loadBffConfig({ env: { GRPC_PLAINTEXT: 'true', JWT_PUBLIC_KEY: keys.publicKeyPem, BFF_HTTP_PORT: 'eighty' } }),
      (error) => error instanceof ConfigError && /BFF_HTTP_PORT/.test(error.message),
    );
  });
});

/** config.yaml's settings on a free port, quiet, with these overrides. */
function listeningConfig(overrides: Record<string, unknown> = {}) {
  return loadBffConfig({
    env: { GRPC_PLAINTEXT: 'true' },
    overrides: { 'http.port': 0, 'log.level': 'silent', ...overrides },
  });
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('composeBff', () => {
  it('listens on a free port over the given upstreams, then stops', async () => {
    const upstreams = new FakeUpstreams(keys);
    const bff = composeBff(listeningConfig({ 'jwt.publicKey': keys.publicKeyPem }), {
      authTransport: upstreams.authTransport,
      notesTransport: upstreams.notesTransport,
      sagaTransport: upstreams.sagaTransport,
    });
    const { port, url } = await bff.start();
    try {
      assert.ok(port > 0);
      assert.equal(url, `http://127.0.0.1:${port}`);
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      const notes = await fetch(`${url}/v1/notes`);
      assert.equal(notes.status, 401);
      assert.equal(notes.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    } finally {
      await bff.stop();
    }
    await assert.rejects(fetch(`${url}/healthz`));
  });

  it('drains a request in flight when stopped: it gets its answer, then the BFF is gone', async () => {
    const upstreams = new FakeUpstreams(keys);
    const bff = composeBff(listeningConfig({ 'jwt.publicKey': keys.publicKeyPem }), {
      authTransport: upstreams.authTransport,
      notesTransport: upstreams.notesTransport,
      sagaTransport: upstreams.sagaTransport,
    });
    const { url } = await bff.start();
    upstreams.faults.notes = { kind: 'delay', ms: 300 };
    const inFlight = fetch(`${url}/v1/notes`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await mintAccessToken(keys, randomUUID())}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ title: 'written while stopping' }),
    });
    await waitFor(() => upstreams.callsTo('CreateNote').length === 1);
    const stopped = bff.stop();
    assert.equal((await inFlight).status, 201);
    await stopped;
    await assert.rejects(fetch(`${url}/healthz`));
  });
});

describe('upstreams that are down', () => {
  let closedPort: number;
  before(async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    closedPort = (server.address() as AddressInfo).port;
    server.close();
    await once(server, 'close');
  });

  /** The BFF over upstreams that refuse connections, with a deadline long enough to tell a hang (504) from a 503. */
  async function withUpstreamsDown(overrides: Record<string, unknown>, work: (url: string) => Promise<void>) {
    const nowhere = `http://127.0.0.1:${closedPort}`;
    const bff = composeBff(
      listeningConfig({
        'upstreams.authUrl': nowhere,
        'upstreams.notesUrl': nowhere,
        'upstreams.sagaUrl': nowhere,
        'upstreams.timeoutMs': 60_000,
        ...overrides,
      }),
    );
    const { url } = await bff.start();
    try {
      await work(url);
    } finally {
      await bff.stop();
    }
  }

  it('answer 503 problems, for reads (after their retries) and writes, and /readyz is 503', async () => {
    await withUpstreamsDown({ 'jwt.publicKey': keys.publicKeyPem }, async (url) => {
      const authorization = `Bearer ${await mintAccessToken(keys, randomUUID())}`;
      const calls = [
        fetch(`${url}/v1/notes`, { headers: { authorization } }),
        fetch(`${url}/v1/notes/${randomUUID()}`, { headers: { authorization } }),
        fetch(`${url}/v1/notes`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: '{"title":"t"}',
        }),
        fetch(`${url}/v1/auth/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"email":"a@example.com","password":"correct horse battery"}',
        }),
        fetch(`${url}/.well-known/jwks.json`),
        fetch(`${url}/readyz`),
      ];
      for (const response of await Promise.all(calls)) {
        assert.equal(response.status, 503, response.url);
        assert.match(String(response.headers.get('content-type')), /^application\/problem\+json/);
      }
    });
  });

  it('verify tokens with the pinned key while auth-service is down, and answer 503 without one', async () => {
    const token = await mintAccessToken(keys, randomUUID());
    await withUpstreamsDown({ 'jwt.publicKey': keys.publicKeyPem }, async (url) => {
      // Verified: the call gets as far as notes-service, which is down too.
      const response = await fetch(`${url}/v1/notes`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 503);
      const forged = await mintAccessToken(keys, randomUUID(), {
        privateKey: (await generateSigningKeys()).privateKey,
      });
      assert.equal((await fetch(`${url}/v1/notes`, { headers: { authorization: `Bearer ${forged}` } })).status, 401);
    });
    await withUpstreamsDown({}, async (url) => {
      const response = await fetch(`${url}/v1/notes`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 503, 'the JWKS cannot be fetched: the token can be neither accepted nor refused');
    });
  });
});

describe('main.ts', () => {
  function runMain(env: Record<string, string>) {
    return spawn(process.execPath, [mainFile], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', GRPC_PLAINTEXT: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  it('prints a ConfigError as one line and exits 1', async () => {
    const child = runMain({ JWT_PUBLIC_KEY: join(scratch, 'missing.pem') });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.match(stderr, /^bff-rest: invalid setting jwt\.publicKey \(env JWT_PUBLIC_KEY\): cannot read key file/);
  });

  it('logs where it listens, serves, says Kafka does not answer, and exits 0 on SIGTERM', {
    timeout: 30_000,
  }, async () => {
    // Nothing listens on port 1: the BFF starts anyway (only /readyz depends on the upstreams).
    const nowhere = '127.0.0.1:1';
    const child = runMain({
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      BFF_HTTP_PORT: '0',
      AUTH_GRPC_URL: `http://${nowhere}`,
      NOTES_GRPC_URL: `http://${nowhere}`,
      SAGA_GRPC_URL: `http://${nowhere}`,
      KAFKA_BROKERS: nowhere,
    });
    const exited = once(child, 'exit');
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const nextEntry = async (msg: RegExp) => {
        for (let line = await lines.next(); !line.done; line = await lines.next()) {
          const entry = JSON.parse(line.value);
          if (msg.test(entry.msg)) return entry;
        }
        assert.fail(`no line ${msg}`);
      };
      const { url } = await nextEntry(/^bff-rest listening$/);
      assert.match(String(url), /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      assert.equal((await fetch(`${url}/readyz`)).status, 503);
      // Its change streams would get nothing new, and nothing else would say why.
      assert.equal((await nextEntry(/^kafka does not answer/)).level, 40);
    } finally {
      child.kill('SIGTERM');
    }
    const [code, signal] = await exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
  });
});
