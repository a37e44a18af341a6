// The typed client's example (packages/api-client/examples/tour.ts) run as a user would run it,
// against the whole platform: the README's examples work, not only type-check.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

const tour = resolve(import.meta.dirname, '../../packages/api-client/examples/tour.ts');

describe("the typed client's tour", () => {
  let platform: RunningPlatform;
  before(async () => {
    platform = await startTestPlatform();
  });
  after(async () => {
    await platform?.close();
  });

  test('signs up, creates, lists, searches, follows the change feed and reads a problem', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [tour, platform.bffUrl]);
    assert.match(stdout, /^signed up as tour-.+@example\.com/m);
    assert.match(stdout, /^created .+; 1 note\(s\) tagged shopping$/m);
    assert.match(stdout, /^search "oat milk": Buy milk$/m);
    assert.match(stdout, /^changed: Buy milk v2$/m);
    assert.match(stdout, /^400: .*title/m);
  });
});
