import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import Type from 'typebox';
import { ConfigError, loadConfig } from '../../src/index.ts';

const schema = Type.Object({
  http: Type.Object({ port: Type.Integer({ minimum: 1, maximum: 65535 }), verbose: Type.Boolean() }),
  database: Type.Object({ dsn: Type.String({ minLength: 1 }) }),
});
const envBindings = { PORT: 'http.port', VERBOSE: 'http.verbose', DB_DSN: 'database.dsn' };
let file: string;

before(async () => {
  file = join(await mkdtemp(join(tmpdir(), 'config-')), 'config.yaml');
  await writeFile(file, 'http:\n  port: 8080\n  verbose: false\ndatabase: {}\n');
});

test('environment variables override the file and are converted to the schema types', () => {
  const config = loadConfig({
    schema,
    file,
    envBindings,
    env: { PORT: '9090', VERBOSE: 'true', DB_DSN: 'postgres://db' },
  });
  assert.deepEqual(config, { http: { port: 9090, verbose: true }, database: { dsn: 'postgres://db' } });
});

test('a missing required setting names the setting and its variable', () => {
  assert.throws(
    () => loadConfig({ schema, file, envBindings, env: {} }),
    (error: unknown) =>
      error instanceof ConfigError && error.message === 'invalid setting database.dsn (env DB_DSN): is required',
  );
});

test('a value of the wrong type names the setting', () => {
  assert.throws(
    () => loadConfig({ schema, file, envBindings, env: { PORT: 'eighty', DB_DSN: 'x' } }),
    /^ConfigError: invalid setting http\.port \(env PORT\): must be integer$/,
  );
});

test('a missing or malformed file is one clear line', async () => {
  assert.throws(
    () => loadConfig({ schema, file: '/nonexistent/config.yaml', envBindings, env: {} }),
    /cannot read config file/,
  );
  const broken = join(await mkdtemp(join(tmpdir(), 'config-')), 'config.yaml');
  await writeFile(broken, 'http: [unclosed\n');
  assert.throws(() => loadConfig({ schema, file: broken, envBindings, env: {} }), /is not valid YAML/);
});
