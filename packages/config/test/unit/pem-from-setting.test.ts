import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, pemFromSetting } from '../../src/index.ts';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 1024,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const where = 'jwt.privateKey (env JWT_PRIVATE_KEY)';

test('a PEM text is taken as it is, also after blank lines or spaces; else the value is a file to read', async () => {
  assert.equal(pemFromSetting(privateKey, where), privateKey);
  assert.equal(pemFromSetting(`\n  ${privateKey}`, where), `\n  ${privateKey}`);
  const directory = await mkdtemp(join(tmpdir(), 'pem-setting-'));
  try {
    await writeFile(join(directory, 'key.pem'), privateKey);
    assert.equal(pemFromSetting(join(directory, 'key.pem'), where), privateKey);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('a missing file is named in the error', () => {
  assert.throws(
    () => pemFromSetting('/run/secrets/missing.pem', where),
    (error: Error) =>
      error instanceof ConfigError &&
      error.message === `invalid setting ${where}: cannot read key file /run/secrets/missing.pem (ENOENT)`,
  );
});

test('a mangled key (quoted, or base64 without its armour) is never echoed in the error, which goes to logs', () => {
  const body = privateKey.split('\n').slice(1, -2).join('\n');
  for (const mangled of [`"${privateKey}"`, body, body.replaceAll('\n', '')]) {
    assert.throws(
      () => pemFromSetting(mangled, where),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(
          error.message,
          /^invalid setting jwt\.privateKey \(env JWT_PRIVATE_KEY\): cannot read key file \(/,
        );
        for (const line of body.split('\n')) assert.ok(!error.message.includes(line.slice(0, 16)), 'key material');
        return true;
      },
    );
  }
});
