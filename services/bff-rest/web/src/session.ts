// The browser session: the access token lives in this object only (memory); the refresh token in
// an HttpOnly cookie that the BFF sets on POST /v1/auth/session and renews on every refresh.
import { createNotesApiClient, dataOrThrow, type NotesApiClient } from '@notes/api-client';

export interface BrowserSession {
  /** The API, authenticated with the current access token; a 401 renews it once and retries. */
  readonly api: NotesApiClient;
  /** Signs in: the access token here, the refresh token in the cookie. */
  signIn(email: string, password: string): Promise<void>;
  /** Renews the access token with the cookie; false when there is no session (sign in again). */
  resume(): Promise<boolean>;
  /** Revokes the cookie's token family and forgets the access token. */
  signOut(): Promise<void>;
  /** Told when the session ends by itself (the cookie no longer refreshes). */
  onEnded(listener: () => void): void;
}

/** Tabs of one browser share the cookie: a refresh in one must not race another's (the old token is used up). */
const refreshLock = 'notes-session-refresh';

export function createBrowserSession(origin: string): BrowserSession {
  let accessToken: string | undefined;
  const ended: (() => void)[] = [];
  const anonymous = createNotesApiClient(origin);

  async function renew(): Promise<boolean> {
    const { data, response } = await anonymous.POST('/v1/auth/session/refresh');
    if (response.status === 401) {
      accessToken = undefined;
      return false;
    }
    accessToken = dataOrThrow({ data, response }).access_token;
    return true;
  }
  const resume = (): Promise<boolean> => (navigator.locks ? navigator.locks.request(refreshLock, renew) : renew());

  /** Every request of the API; one that a stale access token got a 401 for is sent again once renewed. */
  async function fetchRenewingOn401(request: Request): Promise<Response> {
    const spare = request.clone();
    const response = await fetch(request);
    if (response.status !== 401 || !request.headers.has('authorization')) return response;
    if (!(await resume())) {
      for (const listener of ended) listener();
      return response;
    }
    spare.headers.set('authorization', `Bearer ${accessToken}`);
    return fetch(spare);
  }

  return {
    api: createNotesApiClient(origin, { token: () => accessToken, fetch: fetchRenewingOn401 }),
    async signIn(email, password) {
      accessToken = dataOrThrow(await anonymous.POST('/v1/auth/session', { body: { email, password } })).access_token;
    },
    resume,
    async signOut() {
      accessToken = undefined;
      await anonymous.DELETE('/v1/auth/session');
    },
    onEnded(listener) {
      ended.push(listener);
    },
  };
}
