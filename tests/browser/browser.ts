// Headless Chromium for the browser tier: Debian's chromium (CHROMIUM_PATH, from
// scripts/ensure-chromium.sh through scripts/test.ts) driven by playwright-core; never a browser
// that Playwright downloads.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';

export const viewports = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

let axeSource: string | undefined;
const axeOptions = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } };

/**
 * axe-core's WCAG 2.x A/AA rules over the page as it is now; fails on a serious or critical
 * violation. axe runs through the DevTools protocol, as the page's CSP forbids injected scripts.
 */
export async function assertAccessible(page: Page, screen: string): Promise<void> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  // A string, run in the page: these tests are type-checked without the DOM's types.
  const violations = (await page.evaluate(`axe.run(document, ${JSON.stringify(axeOptions)}).then((results) =>
    results.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, targets: nodes.map((node) => node.target.join(' ')) })))`)) as {
    id: string;
    impact: string;
    help: string;
    targets: string[];
  }[];
  const serious = violations.filter(({ impact }) => impact === 'serious' || impact === 'critical');
  assert.deepEqual(serious, [], `${screen}: accessibility violations`);
}

/** Errors the page reports: a script error, or anything the Content-Security-Policy blocked. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      errors.push(`CSP: ${message.text()}`);
    }
  });
  return errors;
}

/** Resolves once `condition` holds, polled; the page's CSP forbids page.waitForFunction's string form. */
export async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}
