// Delivery reconciliation (docs/contract/events.md, "Delivery can be proven"): `make delivery-check`
// names nothing on a healthy platform, and names the saga command a stopped consumer has not
// processed, as does its metric, until the consumer is back. Serving its metric (as the chart and
// docker compose deploy it), it outlives a database that does not answer and stops on SIGTERM.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { sagaCommandTypes } from '@notes/contracts/names';
import { checkSignUpSagas, runWorkload, type Target } from '../faults/workload.ts';
import { reconcilerMetricFamilies } from '../platform-metrics.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

const script = resolve(import.meta.dirname, '../../scripts/delivery-check.ts');
const execFileAsync = promisify(execFile);

let platform: RunningPlatform;
let target: Target;

before(async () => {
  platform = await startTestPlatform();
  target = {
    bffUrl: platform.bffUrl,
    sagaGrpcUrl: platform.grpcUrl('saga'),
    grpcClientTls: platform.grpcClientTls,
  };
});

after(async () => {
  await platform?.close();
});

const databases = () => ({
  ...process.env,
  AUTH_DB_DSN: platform.dsn.auth,
  NOTES_DB_DSN: platform.dsn.notes,
  SAGA_DB_DSN: platform.dsn.saga,
});

/** The command's exit code and output. */
async function deliveryCheck(olderThan: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await execFileAsync(process.execPath, [script, '--older-than', olderThan], { env: databases() });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: `${failed.stdout}${failed.stderr}` };
  }
}

/** The command serving its metric; resolves with its /metrics URL once it listens. */
async function servingDeliveryCheck(
  olderThan: string,
  env: NodeJS.ProcessEnv = databases(),
): Promise<{ child: ChildProcess; metricsUrl: string }> {
  const child = spawn(process.execPath, [script, '--older-than', olderThan, '--serve', '0', '--interval', '1s'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Its log lines (a failed count's warning, say) may come first.
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    const url = /^delivery-check: .*(http:\/\/\S+\/metrics)/.exec(line)?.[1];
    if (url) {
      child.stdout.resume(); // what it logs afterwards is read and dropped
      return { child, metricsUrl: url };
    }
    lines.push(line);
  }
  child.kill('SIGKILL');
  assert.fail(`delivery-check did not serve:\n${lines.join('\n')}`);
}

test('a healthy platform: every group has processed everything published more than a second ago', async () => {
  const { users } = await runWorkload(target, { users: 2, updatesPerNote: 1, concurrency: 2 });
  assert.deepEqual(
    (
      await checkSignUpSagas(
        target,
        users.map((user) => user.userId),
        30_000,
      )
    ).unfinished,
    [],
  );
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const { code, output } = await deliveryCheck('1s');
  assert.equal(code, 0, output);
  for (const group of ['saga-orchestrator', 'auth-service', 'notes-service']) {
    assert.match(output, new RegExp(`^${group}: 0 unprocessed`, 'm'));
  }
});

test("notes-service's consumer stopped: its CreateWelcomeNote command is named, and counted, until it is back", async () => {
  await platform.stopService('notes');
  const { users } = await runWorkload(target, { users: 1, updatesPerNote: undefined, concurrency: 1 });
  const [user] = users;
  assert.ok(user);
  // The orchestrator reads the UserCreated and publishes the command; a second later it is overdue.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const { code, output } = await deliveryCheck('1s');
  assert.equal(code, 1, output);
  assert.match(output, /^notes-service: [1-9]\d* unprocessed/m);
  assert.match(output, new RegExp(`${sagaCommandTypes.CreateWelcomeNote} aggregate [0-9a-f-]{36} published`));
  assert.match(output, /^saga-orchestrator: 0 unprocessed/m);

  const { child, metricsUrl } = await servingDeliveryCheck('1s');
  try {
    const metrics = await (await fetch(metricsUrl)).text();
    assert.match(metrics, /^delivery_unprocessed_events\{group="notes-service"\} [1-9]\d*$/m);
    assert.match(metrics, /^delivery_unprocessed_events\{group="saga-orchestrator"\} 0$/m);
    assert.match(metrics, /^delivery_reconciliation_failing 0$/m);
    for (const family of reconcilerMetricFamilies) assert.match(metrics, new RegExp(`^# TYPE ${family} `, 'm'));
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }

  await platform.startService('notes');
  assert.deepEqual((await checkSignUpSagas(target, [user.userId], 60_000)).unfinished, []);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const back = await deliveryCheck('1s');
  assert.equal(back.code, 0, back.output);
});

test('serving, with a database that does not answer: it keeps serving, says which, and stops on SIGTERM', async () => {
  // Nothing listens on port 1: the notes database is "down" from the start.
  const env = { ...databases(), NOTES_DB_DSN: 'postgres://nobody@127.0.0.1:1/notes' };
  const { child, metricsUrl } = await servingDeliveryCheck('1s', env);
  const exit = once(child, 'exit');
  try {
    const metrics = await (await fetch(metricsUrl)).text();
    assert.match(metrics, /^delivery_reconciliation_failing 1$/m);
    // Its periodic watch of each database says which one is away (within its 5 s period).
    let watched = metrics;
    for (let attempt = 0; attempt < 40 && !/dependency="notes database"\} 0/.test(watched); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      watched = await (await fetch(metricsUrl)).text();
    }
    assert.match(watched, /^dependency_up\{dependency="notes database"\} 0$/m);
    assert.match(watched, /^dependency_up\{dependency="auth database"\} 1$/m);
    assert.equal(child.exitCode, null, 'still running after failed counts');
  } finally {
    child.kill('SIGTERM');
  }
  assert.deepEqual(await exit, [0, null]);
});
