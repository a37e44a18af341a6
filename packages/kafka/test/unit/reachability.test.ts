import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@notes/logger';
import { createReachabilityLog } from '../../src/index.ts';

/** A logger whose lines are kept as { level, msg } (pino's JSON, written to an array). */
function recordingLogger() {
  const lines: { level: number; msg: string; unreachableForMs?: number }[] = [];
  const logger = createLogger({
    service: 'reachability-test',
    level: 'info',
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

const down = new Error('connect ECONNREFUSED 127.0.0.1:9092');

test('a 45 s outage: one warning after 10 s, none before, one line when the brokers answer again', () => {
  const { logger, lines } = recordingLogger();
  const log = createReachabilityLog(logger, { warnAfterMs: 10_000, repeatEveryMs: 60_000 });
  log.observe(undefined, 0);
  for (let at = 5_000; at < 10_000; at += 1_000) log.observe(down, at);
  assert.equal(lines.length, 0);
  for (let at = 10_000; at <= 50_000; at += 5_000) log.observe(down, at);
  log.observe(undefined, 55_000);
  assert.deepEqual(
    lines.map(({ level, msg, unreachableForMs }) => ({ level, msg, unreachableForMs })),
    [
      {
        level: 40,
        msg: 'Kafka is unreachable; events wait in the outbox and consumers wait',
        unreachableForMs: 10_000,
      },
      { level: 30, msg: 'Kafka is reachable again', unreachableForMs: 50_000 },
    ],
  );
});

test('a longer outage is told again every repeatEveryMs; a blip shorter than warnAfterMs not at all', () => {
  const { logger, lines } = recordingLogger();
  const log = createReachabilityLog(logger, { warnAfterMs: 10_000, repeatEveryMs: 60_000 });
  log.observe(down, 0);
  log.observe(undefined, 5_000);
  assert.equal(lines.length, 0);
  for (let at = 10_000; at <= 150_000; at += 5_000) log.observe(down, at);
  assert.deepEqual(
    lines.map((line) => line.unreachableForMs),
    [10_000, 70_000, 130_000],
  );
});
