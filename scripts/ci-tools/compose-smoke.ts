// The platform started by deploy/docker-compose, driven through its public API the way a client
// drives it: readiness, sign-up, sign-in, the welcome note the SignUpSaga makes (auth-service →
// Kafka → saga-orchestrator → notes-service), a note of one's own, the list. CI's compose-test job
// runs it after `docker compose up --wait`; it works against any running platform.
//   node scripts/ci-tools/compose-smoke.ts [BFF base URL, default http://127.0.0.1:8080]
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createNotesApiClient, dataOrThrow } from '@notes/api-client';

const bff = process.argv[2] ?? 'http://127.0.0.1:8080';
const fetchWithTimeout = (request: Request) => fetch(request, { signal: AbortSignal.timeout(10_000) });

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

const anonymous = createNotesApiClient(bff, { fetch: fetchWithTimeout });
await eventually('GET /readyz 200', async () => ((await anonymous.GET('/readyz')).response.ok ? true : undefined));
step('the BFF is ready (every upstream serves)');

const email = `smoke-${randomUUID()}@example.com`;
const password = 'correct horse battery staple';
const signUp = await anonymous.POST('/v1/auth/sign-up', { body: { email, password } });
assert.equal(signUp.response.status, 201, `sign-up: ${JSON.stringify(signUp.error)}`);
const { access_token } = dataOrThrow(await anonymous.POST('/v1/auth/sign-in', { body: { email, password } }));
const api = createNotesApiClient(bff, { token: access_token, fetch: fetchWithTimeout });
step(`signed up and in as ${email}`);

const welcome = await eventually('the welcome note of the SignUpSaga', async () => {
  const { items } = dataOrThrow(await api.GET('/v1/notes'));
  return items.find((note) => /welcome/i.test(note.title));
});
step(`the SignUpSaga made the welcome note "${welcome.title}" (through Kafka)`);

const created = await api.POST('/v1/notes', { body: { title: 'Buy milk', content: '2 litres' } });
assert.equal(created.response.status, 201, `create a note: ${JSON.stringify(created.error)}`);
const { items } = dataOrThrow(await api.GET('/v1/notes', { params: { query: { limit: 20 } } }));
const titles = items.map((note) => note.title);
assert.ok(titles.includes('Buy milk'), `the list has the new note: ${titles.join(', ')}`);
step(`created a note and listed ${titles.length} notes`);
console.log('compose-smoke: 1 passed, 0 failed');
