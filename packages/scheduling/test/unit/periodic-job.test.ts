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

/** A job whose every run lasts until finish() is called. */
function startSlowJob(everyMs: number) {
  const job = {
    runs: 0,
    finish: () => {},
    stop: () => Promise.resolve(),
  };
  const periodic = startPeriodicJob({
    everyMs,
    run: () => {
      job.runs += 1;
      return new Promise<void>((resolve) => {
        job.finish = resolve;
      });
    },
    onError: assert.ifError,
  });
  job.stop = () => periodic.stop();
  return job;
}

test('runs never overlap, and stop() waits for the run under way', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const job = startSlowJob(100);
  t.mock.timers.tick(100);
  await settle();
  t.mock.timers.tick(1000);
  assert.equal(job.runs, 1);
  let stopped = false;
  const stopping = job.stop().then(() => {
    stopped = true;
  });
  await settle();
  assert.equal(stopped, false);
  job.finish();
  await stopping;
  t.mock.timers.tick(1000);
  assert.equal(job.runs, 1);
});

test('the next period is counted from the end of a slow run', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const job = startSlowJob(100);
  t.mock.timers.tick(100);
  t.mock.timers.tick(500);
  job.finish();
  await settle();
  t.mock.timers.tick(99);
  assert.equal(job.runs, 1);
  t.mock.timers.tick(1);
  assert.equal(job.runs, 2);
  job.finish();
  await job.stop();
});
