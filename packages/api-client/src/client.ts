import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './gen/openapi.ts';

/** The BFF's REST API, every path, parameter, body and answer typed from its OpenAPI document. */
export type NotesApiClient = Client<paths>;

/** An access token, or a function asked before each request (for a token that is refreshed). */
export type AccessToken = string | (() => string | undefined);

export interface NotesApiClientOptions {
  /** Sent as `Authorization: Bearer …` on every request that does not set its own. */
  token?: AccessToken;
  /** The fetch the requests go through (a test double, a fetch with retries); globalThis.fetch by default. */
  fetch?: (request: Request) => Promise<Response>;
}

export function createNotesApiClient(baseUrl: string, options: NotesApiClientOptions = {}): NotesApiClient {
  const client = createClient<paths>({ baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  client.use(mergePatchBodies);
  if (options.token !== undefined) client.use(bearerToken(options.token));
  return client;
}

// The API's PATCH bodies are JSON merge patches (RFC 7396, as the document says): openapi-fetch
// labels every JSON body application/json, which the BFF refuses on a PATCH with 415.
const mergePatchBodies: Middleware = {
  onRequest({ request }) {
    if (request.method === 'PATCH' && request.headers.get('content-type') === 'application/json') {
      request.headers.set('content-type', 'application/merge-patch+json');
    }
    return request;
  },
};

/** A middleware that authenticates each request with the token, unless the request names its own. */
export function bearerToken(token: AccessToken): Middleware {
  return {
    onRequest({ request }) {
      const value = typeof token === 'function' ? token() : token;
      if (value && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${value}`);
      return request;
    },
  };
}

/** The header of one request made as the token's user: `api.GET('/v1/notes', { headers: authorization(token) })`. */
export function authorization(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
