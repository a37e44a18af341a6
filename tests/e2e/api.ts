import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { authorization, createNotesApiClient, dataOrThrow } from '@notes/api-client';

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field in the tests
  json: any;
}

/** An answer of the typed client (`client.GET(...)`): its body is already read into data or error. */
export interface TypedAnswer {
  response: Response;
  error?: unknown;
}

/** A problem+json answer of this status that gives nothing internal away. */
export function assertProblem(answer: ApiResponse | TypedAnswer, status: number): void {
  const response = 'response' in answer ? fromTypedAnswer(answer) : answer;
  assert.equal(response.status, status, response.text);
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(response.json.status, status);
  assert.equal(typeof response.json.title, 'string');
  assert.doesNotMatch(response.text, /\bat .+:\d+:\d+|SELECT|INSERT|postgres|127\.0\.0\.1|node_modules/i);
}

function fromTypedAnswer({ response, error }: TypedAnswer): ApiResponse {
  const text = typeof error === 'string' ? error : (JSON.stringify(error) ?? '');
  return { status: response.status, headers: response.headers, text, json: error };
}

export interface CallOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

/**
 * The public HTTP API of one running platform, called as a client would: `client` is the typed
 * client (@notes/api-client), which can only send what the OpenAPI document allows; `call` sends
 * anything (malformed bodies, unknown paths, raw query strings) for the tests of what the BFF
 * does with input the document forbids.
 */
export function apiClient(baseUrl: string) {
  const client = createNotesApiClient(baseUrl);

  async function call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    if (options.token) Object.assign(headers, authorization(options.token));
    const body =
      typeof options.body === 'string' || options.body === undefined ? options.body : JSON.stringify(options.body);
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
  }

  /** A new account, signed in: its id, email, tokens, and a typed client that acts as it. */
  async function signedInUser(password = 'correct horse battery') {
    const email = `e2e-${randomUUID()}@example.com`;
    const signUp = await client.POST('/v1/auth/sign-up', { body: { email, password } });
    assert.equal(signUp.response.status, 201, JSON.stringify(signUp.error));
    const signIn = await client.POST('/v1/auth/sign-in', { body: { email, password } });
    assert.equal(signIn.response.status, 200, JSON.stringify(signIn.error));
    const { user_id: userId } = dataOrThrow(signUp);
    const { access_token: token, refresh_token: refreshToken } = dataOrThrow(signIn);
    return { userId, email, token, refreshToken, client: createNotesApiClient(baseUrl, { token }) };
  }

  /** The id of the user's welcome note, once the SignUpSaga has made it (the user's only note then). */
  async function welcomeNoteId(token: string, timeoutMs = 15_000): Promise<string> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
      const { data } = await client.GET('/v1/notes', { headers: authorization(token) });
      const [welcome] = data?.items ?? [];
      if (welcome) return welcome.id;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no welcome note after ${timeoutMs} ms`);
  }

  return { client, call, signedInUser, welcomeNoteId };
}
