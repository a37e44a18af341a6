// The platform run from the services' bundles (`make bundle`, services/<name>/dist/main.js), as
// the images and the benchmark run it (ADR 0009): what a bundle must still find at run time — the
// config.yaml and migrations next to the sources, the packages left out of it (the argon2 addon,
// Swagger UI's static files), the .wasm of the Kafka client — works, end to end.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { dataOrThrow } from '@notes/api-client';
import { apiClient } from './api.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

const repo = resolve(import.meta.dirname, '../..');
let platform: RunningPlatform;
before(async () => {
  await promisify(execFile)(process.execPath, [join(repo, 'scripts', 'bundle.ts')], { cwd: repo });
  platform = await startTestPlatform({ serviceEntry: 'bundle' });
});
after(async () => {
  await platform?.close();
});

describe('the services run from their bundles', () => {
  test('every service process is a child of this one running its dist/main.js', async () => {
    const children: string[][] = [];
    for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === process.pid) children.push((await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0'));
    }
    for (const service of ['auth-service', 'notes-service', 'saga-orchestrator', 'bff-rest']) {
      const entry = join(repo, 'services', service, 'dist', 'main.js');
      assert.ok(
        children.some((argv) => argv.includes(entry)),
        `${service}: no child runs ${entry}`,
      );
    }
  });

  test('sign-up, the welcome note through the saga, create, list and get a note; Swagger UI at /docs', async () => {
    const api = apiClient(platform.bffUrl);
    const user = await api.signedInUser();
    await api.welcomeNoteId(user.token);
    const created = await user.client.POST('/v1/notes', { body: { title: 'bundled', content: 'b' } });
    assert.equal(created.response.status, 201, JSON.stringify(created.error));
    const { id } = dataOrThrow(created);
    const list = await user.client.GET('/v1/notes');
    assert.equal(list.response.status, 200);
    assert.ok(dataOrThrow(list).items.some((note) => note.id === id));
    const got = await user.client.GET('/v1/notes/{id}', { params: { path: { id } } });
    assert.equal(got.response.status, 200);
    assert.equal(dataOrThrow(got).title, 'bundled');
    const docs = await fetch(`${platform.bffUrl}/docs`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger-ui/);
  });
});
