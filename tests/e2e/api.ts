import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field in the tests
  json: any;
}

/** A problem+json answer of this status that gives nothing internal away. */
export function assertProblem(response: ApiResponse, status: number): void {
  assert.equal(response.status, status, response.text);
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(response.json.status, status);
  assert.equal(typeof response.json.title, 'string');
  assert.doesNotMatch(response.text, /\bat .+:\d+:\d+|SELECT|INSERT|postgres|127\.0\.0\.1|node_modules/i);
}

export interface CallOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

/** The public HTTP API of one running platform, called as a client would. */
export function apiClient(baseUrl: string) {
  async function call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const body =
      typeof options.body === 'string' || options.body === undefined ? options.body : JSON.stringify(options.body);
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
  }

  /** A new account, signed in: its id, email, access token and refresh token. */
  async function signedInUser(password = 'correct horse battery') {
    const email = `e2e-${randomUUID()}@example.com`;
    const signUp = await call('POST', '/v1/auth/sign-up', { body: { email, password } });
    assert.equal(signUp.status, 201, signUp.text);
    const signIn = await call('POST', '/v1/auth/sign-in', { body: { email, password } });
    assert.equal(signIn.status, 200, signIn.text);
    return {
      userId: signUp.json.user_id as string,
      email,
      token: signIn.json.access_token as string,
      refreshToken: signIn.json.refresh_token as string,
    };
  }

  /** The id of the user's welcome note, once the SignUpSaga has made it (the user's only note then). */
  async function welcomeNoteId(token: string, timeoutMs = 15_000): Promise<string> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
      const list = await call('GET', '/v1/notes', { token });
      const [welcome] = list.json?.items ?? [];
      if (welcome) return welcome.id;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no welcome note after ${timeoutMs} ms`);
  }

  return { call, signedInUser, welcomeNoteId };
}
