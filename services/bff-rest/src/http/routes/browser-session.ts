import { type Client, Code, ConnectError } from '@connectrpc/connect';
import type { AuthService, TokenPair } from '@notes/contracts/auth/v1';
import type { FastifyReply } from 'fastify';
import {
  clearedRefreshCookie,
  refreshCookieFor,
  refreshTokenFromCookie,
  requireSameOrigin,
} from '../browser-session.ts';
import { ProblemError } from '../problem.ts';
import {
  AccessTokenSchema,
  emptyResponse,
  jsonResponse,
  problemResponses,
  ref,
  SignInRequestSchema,
} from '../schemas.ts';
import { type SignInDeps, signInCountingFailures } from './sign-in.ts';
import type { TypeboxApp } from './typebox-app.ts';

export interface BrowserSessionDeps extends SignInDeps {
  authClient: Pick<Client<typeof AuthService>, 'signIn' | 'refresh' | 'signOut'>;
}

const sessionPath = '/v1/auth/session';
const sessionTag = ['auth'];
const accessTokenResponse = (description: string) =>
  jsonResponse(description, ref(AccessTokenSchema), ['cache-control', 'set-cookie']);
// Its cookie is useless from then on: the browser may as well forget it.
const noSession = () =>
  new ProblemError(401, 'There is no session (sign in again).', { headers: { 'set-cookie': clearedRefreshCookie } });

/**
 * The web client's sessions (the contract's "Browser sessions"): the same sign-in, refresh and
 * sign-out as the JSON API's, but the refresh token travels only in an HttpOnly cookie the BFF
 * sets and clears; every one of these requests needs this site's Origin (CSRF).
 */
export function browserSessionRoutes(app: TypeboxApp, deps: BrowserSessionDeps): void {
  const { authClient, callOptions } = deps;
  const originChecked = { onRequest: requireSameOrigin };

  app.post(
    sessionPath,
    {
      ...originChecked,
      schema: {
        summary: 'Sign in from the web client: an access token, the refresh token in a cookie',
        tags: sessionTag,
        body: ref(SignInRequestSchema),
        response: {
          200: accessTokenResponse('Signed in: the access token, and Set-Cookie with the refresh token.'),
          ...problemResponses([400, 401, 403, 413, 415], {
            401: 'Wrong password, unknown email or deleted account: the same answer in every case.',
            429: 'Too many failed sign-ins for this account or from this address, or too many requests: wait for Retry-After seconds.',
          }),
        },
      },
    },
    async (request, reply) => {
      const tokens = await signInCountingFailures(request, request.body, deps);
      return sendAccessToken(reply, tokens);
    },
  );

  app.post(
    `${sessionPath}/refresh`,
    {
      ...originChecked,
      schema: {
        summary: "Renew the web client's access token with the session cookie (single use: the cookie is renewed too)",
        tags: sessionTag,
        response: {
          200: accessTokenResponse('A new access token, and Set-Cookie with the next refresh token.'),
          ...problemResponses([401, 403], {
            401: 'No session cookie, or one that is expired, revoked or used up: the cookie is cleared.',
          }),
        },
      },
    },
    async (request, reply) => {
      const refreshToken = refreshTokenFromCookie(request);
      if (refreshToken === undefined) throw noSession();
      const { tokens } = await authClient.refresh({ refreshToken }, callOptions(request)).catch((error) => {
        throw error instanceof ConnectError && error.code === Code.Unauthenticated ? noSession() : error;
      });
      return sendAccessToken(reply, tokens);
    },
  );

  app.delete(
    sessionPath,
    {
      ...originChecked,
      schema: {
        summary: "Sign the web client out: revoke the session cookie's token family and clear the cookie",
        tags: sessionTag,
        response: {
          204: emptyResponse('Signed out (also when there was no session): the cookie is cleared.', ['set-cookie']),
          ...problemResponses([403]),
        },
      },
    },
    async (request, reply) => {
      const refreshToken = refreshTokenFromCookie(request);
      if (refreshToken !== undefined) await authClient.signOut({ refreshToken }, callOptions(request));
      return reply.code(204).header('set-cookie', clearedRefreshCookie).send(null);
    },
  );
}

function sendAccessToken(reply: FastifyReply, pair: TokenPair | undefined) {
  if (pair === undefined) throw new Error('upstream response without tokens');
  return reply
    .header('set-cookie', refreshCookieFor(pair.refreshToken, Number(pair.refreshExpiresIn)))
    .header('cache-control', 'no-store')
    .send({
      access_token: pair.accessToken,
      token_type: pair.tokenType,
      expires_in: Number(pair.expiresIn),
    });
}
