// The operators' CLI as a process against the orchestrator in-process.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { sagaCommandTypes } from '@notes/contracts/names';
import { testFixture } from '@notes/testkit';
import { type Harness, startHarness } from './harness.ts';

const cliFile = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');
const timeout = 60_000;
const fixture = testFixture();
let harness: Harness;

before(async () => {
  harness = fixture.closeAfter(await startHarness(), (opened) => opened.stop());
});

/** The CLI against the harness, which serves h2c (mutual TLS is tested in packages/grpc and tests/e2e). */
async function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run({ SAGA_GRPC_URL: harness.grpcUrl, GRPC_PLAINTEXT: 'true' }, args);
}

async function run(env: Record<string, string>, args: string[]) {
  const child = spawn(process.execPath, [cliFile, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

test('list, show, retry and cancel', { timeout }, async () => {
  const userId = harness.knownUser();
  harness.behave(userId, sagaCommandTypes.DeleteUserNotes, 'refuse');
  const { saga } = await harness.sagas.startDeleteUserSaga({ userId });
  const sagaId = saga?.sagaId ?? '';
  await harness.sagaIn(sagaId, 'FAILED');

  const listed = await cli('list', '--state', 'FAILED', '--type', 'DeleteUserSaga');
  assert.equal(listed.code, 0, listed.stderr);
  const [header, ...rows] = listed.stdout.trimEnd().split('\n');
  assert.match(header ?? '', /^SAGA\s+TYPE\s+STATE\s+STEP\s+ATTEMPTS\s+USER\s+UPDATED\s+REASON$/);
  const row = rows.find((line) => line.startsWith(sagaId));
  assert.match(
    row ?? '',
    new RegExp(`DeleteUserSaga\\s+FAILED\\s+delete_notes\\s+1\\s+${userId}\\s+\\S+Z\\s+delete_notes: refused`),
  );

  const shown = await cli('show', sagaId);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^state {5}FAILED$/m);
  assert.match(shown.stdout, /^reason {4}delete_notes: refused by the fake$/m);
  assert.match(shown.stdout, /^history:\n {2}\S+Z {2}delete_notes {2}command_sent {2}saga\.DeleteUserNotes attempt 1/m);
  assert.match(shown.stdout, /delete_notes {2}saga_failed {2}delete_notes: refused by the fake$/m);

  const cancelRefused = await cli('cancel', sagaId);
  assert.equal(cancelRefused.code, 1);
  assert.match(
    cancelRefused.stderr,
    /^saga: FAILED_PRECONDITION: saga \S+ is FAILED: only a RUNNING saga can be cancelled/,
  );

  harness.behave(userId, sagaCommandTypes.DeleteUserNotes, 'succeed');
  const retried = await cli('retry', sagaId);
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stdout, /^state {5}RUNNING$/m);
  await harness.sagaIn(sagaId, 'COMPLETED');
});

test('an unknown saga is reported with its status; bad usage prints the usage', { timeout }, async () => {
  const missing = await cli('show', randomUUID());
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^saga: NOT_FOUND: saga \S+ not found/);

  for (const args of [[], ['show'], ['list', 'extra'], ['frobnicate', randomUUID()], ['list', '--colour', 'red']]) {
    const bad = await cli(...args);
    assert.equal(bad.code, 2, `exit code of ${args.join(' ')}`);
    assert.match(bad.stderr, /usage: npm run saga -- <command>/);
  }
});

test('without certificates and without GRPC_PLAINTEXT it calls nothing and names the setting', {
  timeout,
}, async () => {
  const refused = await run({ SAGA_GRPC_URL: harness.grpcUrl }, ['list']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^saga: invalid setting grpcTls\.ca \(env GRPC_TLS_CA\): is required/);
});
