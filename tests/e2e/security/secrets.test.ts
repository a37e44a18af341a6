// Secrets never leak (ASVS V7.1.1, V7.1.2, V8.3.4, V14.3): the services connect to databases as a
// role with a password of its own, a user signs up, in, refreshes and fails with known passwords,
// and then every line any service wrote, every response body and every metric label value are
// searched for the password, the tokens, the signing key and the database password.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { createTestRole, type TestRole } from '@notes/testkit';
import { type ApiResponse, apiClient, assertProblem } from '../api.ts';
import { type RunningPlatform, startTestPlatform } from '../platform.ts';

let role: TestRole;
let platform: RunningPlatform;
let api: ReturnType<typeof apiClient>;
before(async () => {
  role = await createTestRole('e2e_secrets');
  platform = await startTestPlatform({ databaseOwner: role });
  api = apiClient(platform.bffUrl);
});
after(async () => {
  await platform?.close();
  await role?.drop();
});

/** Lines of a PEM without its armour: any of them in a log would be a leaked key. */
function pemBodyLines(pem: string): string[] {
  return pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
}

test('no password, token, signing key or database password in any log line, response body or metric label', async () => {
  const responses: ApiResponse[] = [];
  const call = async (...args: Parameters<typeof api.call>) => {
    const response = await api.call(...args);
    responses.push(response);
    return response;
  };
  const email = `secrets-${randomUUID()}@example.com`;
  const password = `Pw-${randomUUID()}`;
  const wrongPassword = `Wrong-${randomUUID()}`;
  const unknownRefreshToken = `Rt-${randomUUID()}`;

  assert.equal((await call('POST', '/v1/auth/sign-up', { body: { email, password } })).status, 201);
  assertProblem(await call('POST', '/v1/auth/sign-up', { body: { email, password } }), 409);
  assertProblem(await call('POST', '/v1/auth/sign-up', { body: { email: 'not-an-email', password } }), 400);
  assertProblem(await call('POST', '/v1/auth/sign-up', { body: { email, password: password.slice(0, 11) } }), 400);
  assertProblem(await call('POST', '/v1/auth/sign-in', { body: { email, password: wrongPassword } }), 401);
  const signIn = await call('POST', '/v1/auth/sign-in', { body: { email, password } });
  assert.equal(signIn.status, 200);
  const refreshed = await call('POST', '/v1/auth/refresh', { body: { refresh_token: signIn.json.refresh_token } });
  assert.equal(refreshed.status, 200);
  // Replaying the used token revokes its family: an event the services may well log.
  assertProblem(await call('POST', '/v1/auth/refresh', { body: { refresh_token: signIn.json.refresh_token } }), 401);
  assertProblem(await call('POST', '/v1/auth/refresh', { body: { refresh_token: unknownRefreshToken } }), 401);
  const second = await call('POST', '/v1/auth/sign-in', { body: { email, password } });
  const token = second.json.access_token as string;
  assert.equal((await call('POST', '/v1/notes', { token, body: { title: 'a note' } })).status, 201);
  assertProblem(await call('GET', '/v1/notes?cursor=not-a-cursor', { token }), 400);
  assertProblem(await call('GET', '/v1/notes', { token: `${signIn.json.access_token}x` }), 401);
  assert.equal(
    (await call('POST', '/v1/auth/sign-out', { body: { refresh_token: second.json.refresh_token } })).status,
    204,
  );

  // A service that cannot log in to its database says so without the DSN's password.
  const wrongDsn = new URL(platform.dsn.notes);
  const wrongDbPassword = `Db-${randomUUID()}`;
  wrongDsn.password = wrongDbPassword;
  await platform.stopService('notes');
  await assert.rejects(platform.startService('notes', { env: { NOTES_DB_DSN: wrongDsn.toString() } }));
  assert.ok(
    platform.output.some((line) => line.startsWith('notes|') && line.includes('password authentication failed')),
    'notes-service said why it could not start',
  );
  await platform.stopService('notes');
  await platform.startService('notes');

  const metrics = await Promise.all(
    (['bff', 'auth', 'notes', 'saga'] as const).map(async (service) => {
      const url = `${platform.operationsUrl(service)}/metrics`;
      const response = await fetch(url);
      assert.equal(response.status, 200, url);
      return response.text();
    }),
  );

  const privateKeyPem = await readFile(platform.keys.privateKeyFile, 'utf8');
  const secrets: Record<string, string[]> = {
    password: [password, encodeURIComponent(password)],
    'wrong password': [wrongPassword],
    'access tokens': [signIn.json.access_token, refreshed.json.access_token, token].flatMap((jwt: string) => [
      jwt,
      // The signature alone is the secret part (header and claims are public base64url).
      jwt.split('.')[2] ?? jwt,
    ]),
    'refresh tokens': [
      signIn.json.refresh_token,
      refreshed.json.refresh_token,
      second.json.refresh_token,
      unknownRefreshToken,
    ],
    'private key': [privateKeyPem, ...pemBodyLines(privateKeyPem)],
    'database password': [role.password, encodeURIComponent(role.password), wrongDbPassword],
  };
  const places: Record<string, string> = {
    'the services’ logs': platform.output.join('\n'),
    'response bodies': responses.map((response) => response.text).join('\n'),
    'metrics (labels and values)': metrics.join('\n'),
  };
  assert.ok(places['the services’ logs']?.includes('listening'), 'the logs were captured');
  for (const [where, text] of Object.entries(places)) {
    for (const [what, values] of Object.entries(secrets)) {
      // Response bodies hand out the tokens of their own request: those are checked in the logs and metrics only.
      if (where === 'response bodies' && (what === 'access tokens' || what === 'refresh tokens')) continue;
      for (const value of values) assert.ok(!text.includes(value), `${what} found in ${where}`);
    }
  }
  // Error bodies never carry a token, not even of another request.
  const errorBodies = responses.filter((response) => response.status >= 400).map((response) => response.text);
  for (const value of [...(secrets['access tokens'] ?? []), ...(secrets['refresh tokens'] ?? [])]) {
    assert.ok(!errorBodies.some((body) => body.includes(value)), 'a token in an error body');
  }
});
