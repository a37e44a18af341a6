// The web client's files as bff-rest serves them: the page under a strict Content-Security-Policy
// and revalidated on each load, its content-hashed assets cached for good.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertProblem, assertStandardHeaders } from './assertions.ts';
import { buildTestBff, type TestBff } from './fakes.ts';

let built: string;
let bff: TestBff;
before(async () => {
  built = await mkdtemp(join(tmpdir(), 'notes-web-'));
  await mkdir(join(built, 'assets'));
  await writeFile(
    join(built, 'index.html'),
    '<!doctype html><script type="module" src="/assets/app-ABC123.js"></script>',
  );
  await writeFile(join(built, 'assets', 'app-ABC123.js'), 'console.log("notes")');
  await writeFile(join(built, 'assets', 'styles-DEF456.css'), 'body{margin:0}');
  bff = await buildTestBff({ 'web.assetsDir': built });
});
after(async () => {
  await bff.app.close();
  await rm(built, { recursive: true, force: true });
});

describe('the web client', () => {
  it('serves the page at / under a Content-Security-Policy without unsafe-inline or unsafe-eval, revalidated on every load', async () => {
    const page = await bff.app.inject({ url: '/' });
    assert.equal(page.statusCode, 200);
    assertStandardHeaders(page);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /app-ABC123\.js/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    const policy = String(page.headers['content-security-policy']);
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /script-src 'self'(;|$)/);
    assert.match(policy, /frame-ancestors 'none'/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|\*/);
  });

  it('serves the hashed assets with their media type, cached for a year as immutable', async () => {
    const script = await bff.app.inject({ url: '/assets/app-ABC123.js' });
    assert.equal(script.statusCode, 200);
    assert.equal(script.body, 'console.log("notes")');
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
    assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(script.headers['x-content-type-options'], 'nosniff');
    const styles = await bff.app.inject({ url: '/assets/styles-DEF456.css' });
    assert.match(String(styles.headers['content-type']), /^text\/css/);
  });

  it('answers 404 problems for other files, and never serves outside the assets', async () => {
    for (const url of ['/assets/app-OTHER.js', '/assets/..%2Findex.html', '/assets/%2e%2e%2f%2e%2e%2fconfig.yaml']) {
      assertProblem(await bff.app.inject({ url }), 404);
    }
  });

  it('leaves the API as it was: its answers are never cached and carry no page policy', async () => {
    const health = await bff.app.inject({ url: '/healthz' });
    assert.equal(health.headers['cache-control'], 'no-store');
    assert.equal(health.headers['content-security-policy'], undefined);
  });

  it('says so when the client is not built', async () => {
    const unbuilt = await buildTestBff({ 'web.assetsDir': join(built, 'missing') });
    try {
      const page = await unbuilt.app.inject({ url: '/' });
      assertProblem(page, 404);
      assert.match(page.json().detail, /make build/);
    } finally {
      await unbuilt.app.close();
    }
  });
});
