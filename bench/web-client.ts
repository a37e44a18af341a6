// make bench-web (and the end of make bench): the web client's first load on the local platform
// (production settings, services from their bundles), in Debian's headless Chromium:
//   - the JavaScript shipped, gzipped (every script the page loads; goal < 60 KB);
//   - the time to an interactive list of 20 notes, for a person whose session cookie is in place:
//     from the navigation's start (the page's own clock) to the 20th note card shown with its
//     buttons, with the browser's cache emptied first (a first load) and with it kept (a return);
//     goal < 1 s. Each is the median (and the slowest) of `runs` loads.
// Results: bench/results/<timestamp>-web-client.json and .md (bench-quick: bench/results/quick/).
//   CHROMIUM_PATH=$(scripts/ensure-chromium.sh) node bench/web-client.ts [--quick]
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createNotesApiClient, dataOrThrow } from '@notes/api-client';
import type { Platform } from '@notes/local-infra';
import { type Browser, chromium } from 'playwright-core';
import { median } from './figures.ts';
import { startBenchStack } from './stack.ts';
import { createUsers } from './users.ts';
import { production } from './variants.ts';

const quick = process.argv.includes('--quick');
const runs = quick ? 3 : 15;
const notesPerPerson = 30;
const listed = 20;
const goals = { javaScriptGzippedKB: 60, interactiveListMs: 1_000 };
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Load {
  interactiveMs: number;
  javaScriptGzippedBytes: number;
}

/** One load of the app by a signed-in person: the cache emptied first, or kept. */
async function loadOnce(browser: Browser, bffUrl: string, email: string, cache: 'emptied' | 'kept'): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    // Sign in through the page: the session cookie is set, the assets cached.
    await page.goto(bffUrl);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('benchmark password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page
      .locator('article.note')
      .nth(listed - 1)
      .waitFor();
    if (cache === 'emptied') await (await context.newCDPSession(page)).send('Network.clearBrowserCache');

    let javaScriptGzippedBytes = 0;
    page.on('response', async (response) => {
      if (response.request().resourceType() === 'script')
        javaScriptGzippedBytes += gzipSync(await response.body()).length;
    });
    await page.goto(bffUrl);
    await page
      .getByRole('button', { name: /^Edit / })
      .nth(listed - 1)
      .waitFor();
    // performance.now() counts from the navigation's start (a string: the bench has no DOM types).
    const interactiveMs = Math.round((await page.evaluate('performance.now()')) as number);
    return { interactiveMs, javaScriptGzippedBytes };
  } finally {
    await context.close();
  }
}

const stack = await startBenchStack(log);
let browser: Browser | undefined;
let platform: Platform | undefined;
try {
  ({ platform } = await stack.startPlatform(production));
  const bffUrl = platform.bffUrl;
  const [person] = await createUsers(bffUrl, 1);
  if (!person) throw new Error('no user');
  const api = createNotesApiClient(bffUrl, { token: person.token });
  for (let index = 1; index <= notesPerPerson; index++) {
    dataOrThrow(
      await api.POST('/v1/notes', {
        body: { title: `Note ${index}`, content: 'Some text '.repeat(20), tags: ['bench'] },
      }),
    );
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const chromiumVersion = browser.version();
  const figures: Record<'emptied' | 'kept', Load[]> = { emptied: [], kept: [] };
  await loadOnce(browser, bffUrl, person.email, 'emptied'); // warm-up: the services' first requests
  for (let run = 0; run < runs; run++) {
    for (const cache of ['emptied', 'kept'] as const)
      figures[cache].push(await loadOnce(browser, bffUrl, person.email, cache));
  }
  const summary = (loads: Load[]) => ({
    medianMs: median(loads.map((load) => load.interactiveMs)),
    maxMs: Math.max(...loads.map((load) => load.interactiveMs)),
  });
  const javaScriptGzippedKB =
    Math.round((Math.max(...figures.emptied.map((load) => load.javaScriptGzippedBytes)) / 1024) * 10) / 10;
  const firstLoad = summary(figures.emptied);
  const returning = summary(figures.kept);
  const results = {
    at: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    chromium: chromiumVersion,
    runs,
    goals,
    javaScriptGzippedKB,
    interactiveList: { notes: listed, firstLoad, returning },
  };
  const markdown = [
    `# Web client: first load (${results.at}, ${runs} loads each, Chromium ${chromiumVersion}, headless)`,
    '',
    '| goal | measured | met |',
    '| --- | --- | --- |',
    `| JavaScript shipped < ${goals.javaScriptGzippedKB} KB gzipped | ${javaScriptGzippedKB} KB | ${javaScriptGzippedKB < goals.javaScriptGzippedKB ? 'yes' : 'no'} |`,
    `| interactive list of ${listed} notes < ${goals.interactiveListMs} ms, cache emptied (median, slowest) | ${firstLoad.medianMs} ms, ${firstLoad.maxMs} ms | ${firstLoad.medianMs < goals.interactiveListMs ? 'yes' : 'no'} |`,
    `| the same, cache kept (a return) | ${returning.medianMs} ms, ${returning.maxMs} ms | ${returning.medianMs < goals.interactiveListMs ? 'yes' : 'no'} |`,
    '',
  ].join('\n');
  const dir = join(import.meta.dirname, 'results', ...(quick ? ['quick'] : []));
  await mkdir(dir, { recursive: true });
  const stamp = results.at.replace(/:\d\d\.\d+Z$/, 'Z').replaceAll(':', '-');
  await writeFile(join(dir, `${stamp}-web-client.json`), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(dir, `${stamp}-web-client.md`), markdown);
  log(markdown);
} finally {
  await browser?.close();
  await platform?.stop();
  await stack.stop();
}
