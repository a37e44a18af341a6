// The platform started by deploy/docker-compose, driven through its public API the way a client
// drives it: readiness, sign-up, sign-in, the welcome note the SignUpSaga makes (auth-service →
// Kafka → saga-orchestrator → notes-service), a note of one's own, the list. CI's compose-test job
// runs it after `docker compose up --wait`; it works against any running platform.
//   node scripts/ci-tools/compose-smoke.ts [BFF base URL, default http://127.0.0.1:8080]
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

const bff = process.argv[2] ?? 'http://127.0.0.1:8080';

async function call(
  method: string,
  path: string,
  options: { body?: unknown; token?: string } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${bff}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : JSON.parse(text) };
}

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not seen after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const step = (text: string) => console.log(`compose-smoke: ${text}`);

await eventually('GET /readyz 200', async () => ((await call('GET', '/readyz')).status === 200 ? true : undefined));
step('the BFF is ready (every upstream serves)');

const email = `smoke-${randomUUID()}@example.com`;
const password = 'correct horse battery staple';
const signUp = await call('POST', '/v1/auth/sign-up', { body: { email, password } });
assert.equal(signUp.status, 201, `sign-up: ${JSON.stringify(signUp.json)}`);
const signIn = await call('POST', '/v1/auth/sign-in', { body: { email, password } });
assert.equal(signIn.status, 200, `sign-in: ${JSON.stringify(signIn.json)}`);
const token = signIn.json.access_token as string;
step(`signed up and in as ${email}`);

type Note = { id: string; title: string };
const welcome = await eventually('the welcome note of the SignUpSaga', async () => {
  const list = await call('GET', '/v1/notes', { token });
  const notes = (list.json.items ?? []) as Note[];
  return notes.find((note) => /welcome/i.test(note.title));
});
step(`the SignUpSaga made the welcome note "${welcome.title}" (through Kafka)`);

const created = await call('POST', '/v1/notes', { token, body: { title: 'Buy milk', content: '2 litres' } });
assert.equal(created.status, 201, `create a note: ${JSON.stringify(created.json)}`);
const list = await call('GET', '/v1/notes?limit=20', { token });
assert.equal(list.status, 200);
const titles = ((list.json.items ?? []) as Note[]).map((note) => note.title);
assert.ok(titles.includes('Buy milk'), `the list has the new note: ${titles.join(', ')}`);
step(`created a note and listed ${titles.length} notes`);
console.log('compose-smoke: 1 passed, 0 failed');
