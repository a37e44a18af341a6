import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createReadiness } from '../../src/readiness.ts';

const answers = () => Promise.resolve();
const refuses = () => Promise.reject(new Error('connection refused'));
const hangs = () => new Promise<void>(() => {});

test('ready when every dependency answers', async () => {
  const readiness = createReadiness([
    { name: 'database', check: answers },
    { name: 'kafka', check: answers },
  ]);
  assert.deepEqual((await readiness.report()).failing, []);
  assert.equal(await readiness.isReady(), true);
});

test('names, in order, each dependency that rejects or does not answer in time', async () => {
  const readiness = createReadiness(
    [
      { name: 'database', check: refuses },
      { name: 'cache', check: answers },
      { name: 'kafka', check: hangs },
    ],
    20,
  );
  assert.deepEqual((await readiness.report()).failing, ['database', 'kafka']);
  assert.equal(await readiness.isReady(), false);
});

test('a check that throws at once counts as failing, not as an error of the probe', async () => {
  const readiness = createReadiness([
    {
      name: 'database',
      check: () => {
        throw new Error('pool ended');
      },
    },
  ]);
  assert.deepEqual((await readiness.report()).failing, ['database']);
});

test('a dependency the service serves without is degraded, not failing: still ready', async () => {
  const readiness = createReadiness([
    { name: 'database', check: answers },
    { name: 'kafka', check: refuses, degradesOnly: true },
  ]);
  assert.deepEqual(await readiness.report(), { ready: true, failing: [], degraded: ['kafka'] });
  assert.equal(await readiness.isReady(), true);
});
