// The binding contracts live in docs/contract/ so that a clone has them. Nothing may point at the
// folder they were copied from, which sits beside the repository on some machines only; where that
// folder is present, the copies must be exactly it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
// Spelled in pieces so that this file does not match its own search.
const outsidePath = ['..', 'shared', ''].join('/');
const upstream = resolve(root, '..', 'shared', 'contract');

test(`no tracked file outside docs/contract points at ${outsidePath}`, () => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && !file.startsWith('docs/contract/'));
  const offenders: string[] = [];
  for (const file of files) {
    const path = join(root, file);
    if (!existsSync(path)) continue; // deleted in the working tree, not yet committed
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.includes(outsidePath)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offenders, [], 'link to docs/contract/ (relative to the file) instead');
});

test('docs/contract/*.md are byte for byte the contract beside the repository', (t) => {
  if (!existsSync(upstream)) {
    t.skip(`${upstream} does not exist here: nothing to compare docs/contract/ with`);
    return;
  }
  const names = (dir: string) =>
    readdirSync(dir)
      .filter((name) => name.endsWith('.md'))
      .sort();
  assert.deepEqual(names(join(root, 'docs/contract')), names(upstream), 'the same contract files');
  for (const name of names(upstream)) {
    assert.ok(
      readFileSync(join(root, 'docs/contract', name)).equals(readFileSync(join(upstream, name))),
      `docs/contract/${name} differs from ${join(upstream, name)}: copy it again`,
    );
  }
});
