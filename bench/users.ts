// The users the load is spread over: signed up once, signed in again on each platform start (an
// access token lasts 15 minutes), each with some of their notes' ids for GET /v1/notes/{id}.

export interface BenchUser {
  email: string;
  token: string;
  noteIds: string[];
}

const password = 'benchmark password';

// Sign-ins and reads are tried again on a 5xx, so that one failed call does not end the run
// (errors under load are counted by the figures, not here); a sign-up is not safe to repeat.
async function call(bffUrl: string, method: string, path: string, body?: unknown, token?: string) {
  const tries = path === '/v1/auth/sign-up' ? 1 : 3;
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${bffUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status < 500 || attempt >= tries) {
      return { status: response.status, json: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
    }
  }
}

export async function signUp(bffUrl: string, email: string): Promise<{ userId: string; createdAt: string }> {
  const { status, json } = await call(bffUrl, 'POST', '/v1/auth/sign-up', { email, password });
  if (status !== 201) throw new Error(`sign-up of ${email} answered ${status}`);
  return { userId: json.user_id as string, createdAt: json.created_at as string };
}

export async function signIn(bffUrl: string, email: string): Promise<string> {
  const { status, json } = await call(bffUrl, 'POST', '/v1/auth/sign-in', { email, password });
  if (status !== 200) throw new Error(`sign-in of ${email} answered ${status}`);
  return json.access_token as string;
}

/** The first page of the user's notes, newest first. */
export async function firstPage(bffUrl: string, token: string): Promise<{ id: string; created_at: string }[]> {
  const { status, json } = await call(bffUrl, 'GET', '/v1/notes', undefined, token);
  if (status !== 200) throw new Error(`GET /v1/notes answered ${status}`);
  return json.items as { id: string; created_at: string }[];
}

export async function createUsers(bffUrl: string, count: number): Promise<BenchUser[]> {
  const run = Date.now();
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const email = `bench-${run}-${index}@example.com`;
      await signUp(bffUrl, email);
      return { email, token: await signIn(bffUrl, email), noteIds: [] };
    }),
  );
}

/** Fresh access tokens (after a restart, or before they expire) and the ids of each user's newest notes. */
export async function refreshUsers(bffUrl: string, users: BenchUser[]): Promise<void> {
  await Promise.all(
    users.map(async (user) => {
      user.token = await signIn(bffUrl, user.email);
      user.noteIds = (await firstPage(bffUrl, user.token)).map((note) => note.id);
    }),
  );
}
