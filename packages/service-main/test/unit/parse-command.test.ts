import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommand } from '../../src/run-service.ts';

test('no arguments: serve', () => {
  assert.deepEqual(parseCommand([], true), { command: 'serve' });
  assert.deepEqual(parseCommand([], false), { command: 'serve' });
});

test('migrate up|down, for a service that has migrations', () => {
  assert.deepEqual(parseCommand(['migrate', 'up'], true), { command: 'migrate', direction: 'up' });
  assert.deepEqual(parseCommand(['migrate', 'down'], true), { command: 'migrate', direction: 'down' });
});

test('anything else is a usage error, naming migrate only where it exists', () => {
  for (const args of [['migrate'], ['migrate', 'sideways'], ['migrate', 'up', 'now'], ['serve']]) {
    assert.deepEqual(parseCommand(args, true), {
      command: 'usage',
      usage: 'usage: node src/main.ts [migrate up|down]',
    });
  }
  assert.deepEqual(parseCommand(['migrate', 'up'], false), { command: 'usage', usage: 'usage: node src/main.ts' });
});
