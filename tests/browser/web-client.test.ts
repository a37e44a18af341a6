// The web client in a real browser against the whole platform: a person signs up, sees the welcome
// note, creates, searches, filters by tag, pins, edits against a change made in a second tab, sees
// a note written by another client appear live, signs out and in, is told how long to wait after a
// 429 and may retry after a 503, and deletes the account. Each
// screen passes axe-core without serious violations; the page breaks no rule of its CSP.
// UPDATE_SCREENSHOTS=1 writes the main screens at phone and desktop width to docs/screenshots/.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createNotesApiClient, dataOrThrow } from '@notes/api-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type RunningPlatform, startTestPlatform } from '../e2e/platform.ts';
import { assertAccessible, collectPageErrors, launchChromium, until, viewports } from './browser.ts';

const screenshotsDir = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const password = 'correct horse battery staple';

describe('the web client in Chromium', () => {
  let platform: RunningPlatform;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const email = `ada-${randomUUID().slice(0, 8)}@example.com`;

  before(async () => {
    [platform, browser] = await Promise.all([startTestPlatform(), launchChromium()]);
    await platform.followingNoteChanges();
    context = await browser.newContext({ viewport: viewports.desktop });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    errors = collectPageErrors(page);
    if (process.env.UPDATE_SCREENSHOTS) await mkdir(screenshotsDir, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await platform?.close();
  });

  /** The main screens at both widths, for the README (only with UPDATE_SCREENSHOTS=1). */
  async function screenshot(name: string, target: Page = page): Promise<void> {
    if (!process.env.UPDATE_SCREENSHOTS) return;
    const original = target.viewportSize() ?? viewports.desktop;
    for (const [width, viewport] of Object.entries(viewports)) {
      await target.setViewportSize(viewport);
      await target.screenshot({ path: join(screenshotsDir, `${name}-${width}.png`) });
    }
    await target.setViewportSize(original);
  }

  const note = (title: string, target: Page = page) =>
    target.locator('article.note', { has: target.getByRole('heading', { name: title, exact: true }) });
  const section = (name: string) => page.getByRole('region', { name });

  it('signs up and shows the welcome note', async () => {
    const response = await page.goto(platform.bffUrl);
    assert.equal(response?.status(), 200);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await assertAccessible(page, 'sign in');
    await page.getByRole('button', { name: 'New here? Create an account' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    // A field error next to its field, announced with it.
    const passwordError = page.locator('#password-error');
    await passwordError.waitFor();
    assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'sign up with an error');
    await screenshot('sign-up-error');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await note('Welcome to Notes').waitFor({ timeout: 15_000 });
    await assertAccessible(page, 'notes');
  });

  it('keeps the refresh token in an HttpOnly, Secure, SameSite=Strict cookie that scripts cannot read', async () => {
    const cookies = await context.cookies(`${platform.bffUrl}/v1/auth/session`);
    const session = cookies.find(({ name }) => name === 'notes_refresh');
    assert.ok(session, 'the session cookie');
    assert.deepEqual(
      [session.httpOnly, session.secure, session.sameSite, session.path],
      [true, true, 'Strict', '/v1/auth/session'],
    );
    assert.equal(await page.evaluate('document.cookie'), '');
  });

  it('creates notes with tags, finds them as you type, and filters by tag chip', async () => {
    for (const [title, content, tags] of [
      ['Buy milk', 'Two litres, semi-skimmed', 'shopping, home'],
      ['Plan the trip', 'Trains to Lyon', 'travel'],
    ] as const) {
      await page.getByRole('button', { name: 'New note' }).click();
      const dialog = page.getByRole('dialog', { name: 'New note' });
      await dialog.getByLabel('Title').fill(title);
      await dialog.getByLabel('Content').fill(content);
      await dialog.getByLabel('Tags').fill(tags);
      if (title === 'Buy milk') {
        await assertAccessible(page, 'new note');
        await screenshot('new-note');
      }
      await dialog.getByRole('button', { name: 'Save' }).click();
      await note(title).waitFor();
    }
    await page.getByRole('searchbox', { name: 'Search notes' }).fill('mil');
    await section('Search results').waitFor();
    await until('one note is listed', async () => (await page.locator('article.note').count()) === 1);
    await note('Buy milk').waitFor();
    await page.getByRole('searchbox', { name: 'Search notes' }).fill('');
    await note('Welcome to Notes').waitFor();

    await page.getByRole('button', { name: '#travel' }).click();
    await until('one note is listed', async () => (await page.locator('article.note').count()) === 1);
    await note('Plan the trip').waitFor();
    await assertAccessible(page, 'filtered by tag');
    await page.getByRole('button', { name: '#travel' }).click();
    await note('Welcome to Notes').waitFor();
  });

  it('pins a note into the pinned section, and archives one into the archive view', async () => {
    await page.getByRole('button', { name: 'Pin “Buy milk”' }).click();
    await section('Pinned').getByRole('heading', { name: 'Buy milk' }).waitFor();
    await page.getByRole('button', { name: 'Archive “Plan the trip”' }).click();
    await note('Plan the trip').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    await section('Archive').getByRole('heading', { name: 'Plan the trip' }).waitFor();
    await assertAccessible(page, 'archive');
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    await note('Welcome to Notes').waitFor();
    await screenshot('notes');
  });

  it('edits with If-Match: a change saved meanwhile in a second tab is shown, and the person chooses', async () => {
    await page.getByRole('button', { name: 'Edit “Buy milk”' }).click();
    const editor = page.getByRole('dialog', { name: 'Edit note' });
    await editor.getByLabel('Content').fill('Two litres, and butter');

    // The second tab signs in from the session cookie alone.
    const second = await context.newPage();
    const secondErrors = collectPageErrors(second);
    await second.goto(platform.bffUrl);
    await second.getByRole('button', { name: 'Edit “Buy milk”' }).click();
    const otherEditor = second.getByRole('dialog', { name: 'Edit note' });
    await otherEditor.getByLabel('Title').fill('Buy oat milk');
    await otherEditor.getByRole('button', { name: 'Save' }).click();
    await note('Buy oat milk', second).waitFor();

    await editor.getByRole('button', { name: 'Save' }).click();
    const conflict = editor.getByRole('alert').filter({ hasText: 'This note was changed elsewhere' });
    await conflict.waitFor();
    assert.match((await conflict.textContent()) ?? '', /Buy oat milk/);
    await assertAccessible(page, 'edit conflict');
    await screenshot('edit-conflict');
    await conflict.getByRole('button', { name: 'Use the newer version' }).click();
    assert.equal(await editor.getByLabel('Title').inputValue(), 'Buy oat milk');
    await editor.getByLabel('Content').fill('Oat milk, and butter');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.waitFor({ state: 'detached' });
    await note('Buy oat milk').getByText('Oat milk, and butter').waitFor();
    // The second tab sees it live.
    await note('Buy oat milk', second).getByText('Oat milk, and butter').waitFor();
    assert.deepEqual(secondErrors, []);
    await second.close();
  });

  it('shows a note written by another client without a reload, and scrolls through the pages', async () => {
    const anonymous = createNotesApiClient(platform.bffUrl);
    const tokens = dataOrThrow(await anonymous.POST('/v1/auth/sign-in', { body: { email, password } }));
    const api = createNotesApiClient(platform.bffUrl, { token: tokens.access_token });
    dataOrThrow(
      await api.POST('/v1/notes', { body: { title: 'Written elsewhere', content: 'by curl', tags: ['api'] } }),
    );
    await note('Written elsewhere').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: '#api' }).waitFor();

    // More notes than a page: after a reload (the session resumes from its cookie), the next page
    // comes when the end of the list scrolls into view.
    for (let n = 1; n <= 22; n++) dataOrThrow(await api.POST('/v1/notes', { body: { title: `Bulk ${n}` } }));
    await page.reload();
    const listed = section('Notes').locator('article.note');
    await note('Bulk 22').waitFor();
    assert.equal(await listed.count(), 20);
    await page.getByRole('button', { name: 'Load more notes' }).scrollIntoViewIfNeeded();
    await note('Welcome to Notes').waitFor();
    assert.equal(await listed.count(), 24, 'the 22, Written elsewhere and the welcome note; the pinned one above');
    await page.getByRole('button', { name: 'Load more notes' }).waitFor({ state: 'detached' });
  });

  it('is usable at phone width and with the keyboard alone', async () => {
    await page.setViewportSize(viewports.phone);
    await assertAccessible(page, 'notes at phone width');
    await page.getByRole('searchbox', { name: 'Search notes' }).focus();
    await page.keyboard.press('Tab'); // New note
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New note' });
    await dialog.waitFor();
    assert.equal(await page.evaluate('document.activeElement?.id'), 'note-title');
    await page.keyboard.type('Typed with keys');
    await page.keyboard.press('Enter'); // submits the form
    await note('Typed with keys').waitFor();
    await page.getByRole('button', { name: 'New note' }).focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.setViewportSize(viewports.desktop);
  });

  it('signs out, and signs in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal((await context.cookies(`${platform.bffUrl}/v1/auth/session`)).length, 0, 'the cookie is cleared');
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').waitFor();
    await screenshot('sign-in-error');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await note('Typed with keys').waitFor();
  });

  it('says how long to wait after a 429, and offers a retry after a 503', async () => {
    const problem = (status: number, headers: Record<string, string> = {}) => ({
      status,
      headers,
      contentType: 'application/problem+json',
      body: JSON.stringify({ type: 'about:blank', title: 'x', status, detail: 'x', instance: '/' }),
    });
    // The archive view reads one list: its one request is a 503, the retry gets through.
    await page.route('**/v1/notes?*', (route) => route.fulfill(problem(503)), { times: 1 });
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    const unavailable = page.getByRole('alert').filter({ hasText: 'The service is unavailable' });
    await unavailable.waitFor();
    await unavailable.getByRole('button', { name: 'Retry' }).click();
    await section('Archive').getByRole('heading', { name: 'Plan the trip' }).waitFor();
    await page.getByRole('button', { name: 'Archive', exact: true }).click();

    await page.route('**/v1/notes', (route) => route.fulfill(problem(429, { 'retry-after': '42' })), { times: 1 });
    await page.getByRole('button', { name: 'New note' }).click();
    const dialog = page.getByRole('dialog', { name: 'New note' });
    await dialog.getByLabel('Title').fill('Too fast');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Too many requests. Try again in 42 seconds.' }).waitFor();
    await dialog.getByRole('button', { name: 'Save' }).click(); // the same key again: one note
    await note('Too fast').waitFor();
  });

  it("deletes the account, showing the DeleteUserSaga's progress", async () => {
    await page.getByRole('button', { name: 'Delete account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete your account' });
    await assertAccessible(page, 'delete account');
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await dialog.getByText('Done: your account and notes are deleted.').waitFor({ timeout: 20_000 });
    await screenshot('account-deleted');
    await page.getByText('Your account and all its notes are deleted.').waitFor();
    const anonymous = createNotesApiClient(platform.bffUrl);
    const { response } = await anonymous.POST('/v1/auth/sign-in', { body: { email, password } });
    assert.equal(response.status, 401);
    assert.deepEqual(errors, []);
  });
});
