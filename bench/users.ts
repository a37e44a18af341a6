// The users the load is spread over: signed up once, signed in again on each platform start (an
// access token lasts 15 minutes), each with some of their notes' ids for GET /v1/notes/{id}.
import { authorization, createNotesApiClient, dataOrThrow } from '@notes/api-client';

export interface BenchUser {
  email: string;
  token: string;
  noteIds: string[];
}

const password = 'benchmark password';

// Sign-ins and reads are tried again on a 5xx, so that one failed call does not end the run
// (errors under load are counted by the figures, not here); a sign-up is not safe to repeat.
async function fetchRetryingServerErrors(request: Request): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(request.clone());
    if (response.status < 500 || attempt >= 3) return response;
    await response.arrayBuffer();
  }
}

const client = (bffUrl: string) => createNotesApiClient(bffUrl, { fetch: fetchRetryingServerErrors });

export async function signUp(bffUrl: string, email: string): Promise<{ userId: string; createdAt: string }> {
  const user = dataOrThrow(await createNotesApiClient(bffUrl).POST('/v1/auth/sign-up', { body: { email, password } }));
  return { userId: user.user_id, createdAt: user.created_at };
}

export async function signIn(bffUrl: string, email: string): Promise<string> {
  return dataOrThrow(await client(bffUrl).POST('/v1/auth/sign-in', { body: { email, password } })).access_token;
}

/** The first page of the user's notes, newest first. */
export async function firstPage(bffUrl: string, token: string): Promise<{ id: string; created_at: string }[]> {
  return dataOrThrow(await client(bffUrl).GET('/v1/notes', { headers: authorization(token) })).items;
}

/** Sign-ups at once: each hashes a password (Argon2id), and hundreds at once outlast the BFF's deadline on a busy machine. */
const signUpsAtOnce = 4;

export async function createUsers(bffUrl: string, count: number): Promise<BenchUser[]> {
  const run = Date.now();
  const users: BenchUser[] = [];
  for (let first = 0; first < count; first += signUpsAtOnce) {
    const batch = Array.from({ length: Math.min(signUpsAtOnce, count - first) }, async (_, offset) => {
      const email = `bench-${run}-${first + offset}@example.com`;
      await signUp(bffUrl, email);
      return { email, token: await signIn(bffUrl, email), noteIds: [] };
    });
    users.push(...(await Promise.all(batch)));
  }
  return users;
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
