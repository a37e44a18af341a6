import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@notes/logger';
import { Registry } from 'prom-client';
import { startDependencyWatch } from '../../src/dependency-watch.ts';

function capturedLogger() {
  const lines: { level: number; msg: string; downForMs?: number }[] = [];
  const logger = createLogger({
    service: 'watch-test',
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

async function until(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5_000; !check(); await sleep(2)) {
    if (Date.now() > deadline) throw new Error('not within 5 s');
  }
}

test('an outage is said when it begins, reminded while it lasts, and its end is said with its length', async () => {
  const { logger, lines } = capturedLogger();
  const registry = new Registry();
  let answers = true;
  let checks = 0;
  let clock = 0;
  const watch = startDependencyWatch({
    dependencies: [
      {
        name: 'kafka',
        check: async () => {
          checks++;
          clock += 1_000;
          if (!answers) throw new Error('connection refused');
        },
        meanwhile: 'events wait in the outbox',
      },
    ],
    logger,
    registry,
    everyMs: 1,
    remindEveryMs: 10_000,
    now: () => clock,
  });
  const up = async () => (await registry.getSingleMetric('dependency_up')?.get())?.values[0]?.value;
  try {
    await until(() => checks >= 3);
    assert.equal(lines.length, 0, 'nothing said while it answers');
    assert.equal(await up(), 1);
    answers = false;
    await until(() => lines.length >= 2);
    assert.deepEqual(
      lines.slice(0, 2).map(({ level, msg }) => [level, msg]),
      [
        [40, 'kafka does not answer; meanwhile events wait in the outbox'],
        [40, 'kafka still does not answer; meanwhile events wait in the outbox'],
      ],
    );
    assert.equal(lines[1]?.downForMs, 10_000, 'reminded once per remindEveryMs of the outage');
    assert.equal(await up(), 0);
    answers = true;
    await until(() => lines.some((line) => line.msg === 'kafka answers again'));
    const ended = lines.find((line) => line.msg === 'kafka answers again');
    assert.equal(ended?.level, 30);
    assert.ok((ended?.downForMs ?? 0) >= 10_000);
    assert.equal(await up(), 1);
  } finally {
    watch.stop();
  }
  const said = lines.length;
  answers = false;
  await sleep(20);
  assert.equal(lines.length, said, 'nothing after stop');
});
