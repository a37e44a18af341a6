import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '@notes/config';
import { composeBff } from '../../src/compose.ts';
import { loadBffConfig } from '../../src/config.ts';
import { FakeUpstreams, generateSigningKeys, type SigningKeys } from './fakes.ts';

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
      env: { JWT_PUBLIC_KEY: keys.publicKeyPem, BFF_HTTP_PORT: '9090', NOTES_GRPC_URL: 'http://notes:1234' },
    });
    assert.deepEqual(config.http, { host: '127.0.0.1', port: 9090, bodyLimitBytes: 1_048_576 });
    assert.deepEqual(config.upstreams, {
      authUrl: 'http://127.0.0.1:50051',
      notesUrl: 'http://notes:1234',
      sagaUrl: 'http://127.0.0.1:50053',
      timeoutMs: 5_000,
    });
    assert.deepEqual(config.jwt, { publicKey: keys.publicKeyPem, issuer: 'notes-platform', audience: 'notes-api' });
    assert.equal(config.log.level, 'info');
    const withSaga = loadBffConfig({ env: { JWT_PUBLIC_KEY: keys.publicKeyPem, SAGA_GRPC_URL: 'http://saga:4321' } });
    assert.equal(withSaga.upstreams.sagaUrl, 'http://saga:4321');
  });

  it('reads the public key from a file when the setting is a path', async () => {
    const file = join(scratch, 'public.pem');
    await writeFile(file, keys.publicKeyPem);
    assert.equal(loadBffConfig({ env: { JWT_PUBLIC_KEY: file } }).jwt.publicKey, keys.publicKeyPem);
  });

  it('rejects a missing, unreadable or unsuitable key with a ConfigError naming it', () => {
    const { privateKey: rsaPrivate } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { publicKey: ecPublic } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const unsuitable = [
      undefined,
      join(scratch, 'missing.pem'),
      '-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----',
      rsaPrivate.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ecPublic.export({ type: 'spki', format: 'pem' }).toString(),
    ];
    for (const setting of unsuitable) {
      assert.throws(
        () => loadBffConfig({ env: { JWT_PUBLIC_KEY: setting } }),
        (error) => error instanceof ConfigError && /jwt/.test(error.message),
        String(setting),
      );
    }
  });

  it('rejects a bad port with a ConfigError naming its variable', () => {
    assert.throws(
      () => loadBffConfig({ env: { JWT_PUBLIC_KEY: keys.publicKeyPem, BFF_HTTP_PORT: 'eighty' } }),
      (error) => error instanceof ConfigError && /BFF_HTTP_PORT/.test(error.message),
    );
  });
});

describe('composeBff', () => {
  it('listens on a free port over the given upstreams, then stops', async () => {
    const upstreams = new FakeUpstreams(keys);
    const config = loadBffConfig({
      env: {},
      overrides: { 'http.port': 0, 'jwt.publicKey': keys.publicKeyPem, 'log.level': 'silent' },
    });
    const bff = composeBff(config, {
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
});

describe('main.ts', () => {
  function runMain(env: Record<string, string>) {
    return spawn(process.execPath, [mainFile], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
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

  it('logs where it listens, serves, and exits 0 on SIGTERM', { timeout: 30_000 }, async () => {
    // No upstream listens on port 1: the BFF starts anyway (only /readyz depends on them).
    const nowhere = 'http://127.0.0.1:1';
    const child = runMain({
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      BFF_HTTP_PORT: '0',
      AUTH_GRPC_URL: nowhere,
      NOTES_GRPC_URL: nowhere,
      SAGA_GRPC_URL: nowhere,
    });
    const exited = once(child, 'exit');
    try {
      let url: string | undefined;
      for await (const line of createInterface({ input: child.stdout })) {
        const entry = JSON.parse(line);
        if (entry.msg === 'bff-rest listening') {
          url = entry.url;
          break;
        }
      }
      assert.match(String(url), /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      assert.equal((await fetch(`${url}/readyz`)).status, 503);
    } finally {
      child.kill('SIGTERM');
    }
    const [code, signal] = await exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
  });
});
