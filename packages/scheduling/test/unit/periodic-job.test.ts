import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPeriodicJob } from '../../src/periodic-job.ts';

/** Lets the promise callbacks queued so far run (setImmediate is not mocked). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('the job runs every everyMs, not before, and no more after stop()', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let runs = 0;
  const job = startPeriodicJob({
    everyMs: 1000,
    run: async () => {
      runs += 1;
    },
    onError: assert.ifError,
  });
  t.mock.timers.tick(999);
  assert.equal(runs, 0);
  t.mock.timers.tick(1);
  assert.equal(runs, 1);
  await settle();
  t.mock.timers.tick(1000);
  assert.equal(runs, 2);
  await settle();
  await job.stop();
  t.mock.timers.tick(10_000);
  assert.equal(runs, 2);
});

test('a run that throws is reported, and the job runs again at the next period', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const errors: unknown[] = [];
  let runs = 0;
  const job = startPeriodicJob({
    everyMs: 100,
    run: async () => {
      runs += 1;
      throw new Error(`run ${runs}`);
    },
    onError: (error) => errors.push(error),
  });
  t.mock.timers.tick(100);
  await settle();
  t.mock.timers.tick(100);
  await settle();
  await job.stop();
  assert.equal(runs, 2);
  assert.deepEqual(
    errors.map((error) => (error as Error).message),
    ['run 1', 'run 2'],
  );
});

test('runs never overlap: the next period starts when a slow run ends, and stop() waits for it', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let runs = 0;
  let finish = () => {};
  const job = startPeriodicJob({
    everyMs: 100,
    run: () => {
      runs += 1;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
    onError: assert.ifError,
  });
  t.mock.timers.tick(100);
  await settle();
  t.mock.timers.tick(1000);
  assert.equal(runs, 1);
  let stopped = false;
  const stopping = job.stop().then(() => {
    stopped = true;
  });
  await settle();
  assert.equal(stopped, false);
  finish();
  await stopping;
  t.mock.timers.tick(1000);
  assert.equal(runs, 1);
});

test('a slow run delays the next period until it ends', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let runs = 0;
  let finish = () => {};
  const job = startPeriodicJob({
    everyMs: 100,
    run: () => {
      runs += 1;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
    onError: assert.ifError,
  });
  t.mock.timers.tick(100);
  finish();
  await settle();
  t.mock.timers.tick(99);
  assert.equal(runs, 1);
  t.mock.timers.tick(1);
  assert.equal(runs, 2);
  finish();
  await job.stop();
});
