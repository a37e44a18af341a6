// Nothing secret is committed in configuration (ASVS V2.10.4, V6.4.1, V14.1.3): the services'
// config.yaml files and the production Helm values hold no password, key, token or DSN with
// credentials; those come from the environment or a Secret.
import assert from 'node:assert/strict';
import { glob, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');

/** A setting whose name says it holds a secret (not where one is: a file, a path, a Secret's name). */
const secretName = /password|passwd|secret|token|private_?key|api_?key|credential|dsn/i;
const pointerName = /(file|path|dir|name|seconds|ms)$/i;
/** A URL with a password in it (scheme://user:password@host). */
const urlWithPassword = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+:[^\s/@'"]+@/i;
/** Any PEM block: a key or a certificate pasted in. */
const pemBlock = /-----BEGIN [A-Z0-9 ]+-----/;

/** What in a YAML text looks like a committed secret, one finding per line ("line N: ..."). */
function findSecrets(text: string, options: { bySettingName: boolean }): string[] {
  const findings: string[] = [];
  text.split('\n').forEach((line, index) => {
    const where = `line ${index + 1}`;
    const content = line.replace(/\s+#.*$/, '');
    if (pemBlock.test(content)) findings.push(`${where}: a PEM block`);
    if (urlWithPassword.test(content)) findings.push(`${where}: a URL with a password`);
    const setting = /^\s*-?\s*([A-Za-z0-9_.-]+)\s*:\s*(.*)$/.exec(content);
    const [, name = '', value = ''] = setting ?? [];
    const unquoted = value.trim().replace(/^(['"])(.*)\1$/, '$2');
    if (
      options.bySettingName &&
      secretName.test(name) &&
      !pointerName.test(name) &&
      unquoted !== '' &&
      !/^[|>]/.test(unquoted)
    ) {
      findings.push(`${where}: ${name} has a value`);
    }
  });
  return findings;
}

async function files(patterns: string[]): Promise<string[]> {
  const found: string[] = [];
  for await (const file of glob(patterns, { cwd: root })) found.push(file);
  return found.sort();
}

describe('committed configuration holds no secrets', () => {
  test('every service and package config.yaml: no secret setting with a value, no URL with a password, no PEM', async () => {
    const configs = await files(['services/*/config.yaml', 'packages/*/config.yaml']);
    assert.ok(configs.length >= 4, `found ${configs.join(', ')}`);
    for (const file of configs) {
      assert.deepEqual(findSecrets(await readFile(join(root, file), 'utf8'), { bySettingName: true }), [], file);
    }
  });

  test('the production Helm values: no URL with a password, no PEM (secrets come from existing Secrets)', async () => {
    const values = await files(['deploy/helm/*/values-prod.yaml']);
    assert.equal(values.length, 1);
    for (const file of values) {
      assert.deepEqual(findSecrets(await readFile(join(root, file), 'utf8'), { bySettingName: false }), [], file);
    }
  });

  test('the scan finds each kind of secret it looks for', () => {
    const leaky = [
      'database:',
      '  dsn: postgres://notes:s3cret@db:5432/notes # a DSN',
      '  password: "hunter2"',
      'jwt:',
      '  privateKey: -----BEGIN PRIVATE KEY-----',
      '  apiKey: abc',
      '  issuer: notes-platform',
      '  previousPublicKeys: ""',
      '  privateKeyFile: /run/secrets/jwt-private.pem',
    ].join('\n');
    assert.deepEqual(findSecrets(leaky, { bySettingName: true }), [
      'line 2: a URL with a password',
      'line 2: dsn has a value',
      'line 3: password has a value',
      'line 5: a PEM block',
      'line 5: privateKey has a value',
      'line 6: apiKey has a value',
    ]);
  });
});
