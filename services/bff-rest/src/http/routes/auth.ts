import type { Client } from '@connectrpc/connect';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuthService, TokenPair } from '@notes/contracts/auth/v1';
import { type FailureLimit, limitFailuresPerIp, type RateLimitSettings } from '../rate-limits.ts';
import {
  emptyResponse,
  JwksSchema,
  jsonResponse,
  problemResponses,
  RefreshTokenRequestSchema,
  ref,
  SignInRequestSchema,
  SignUpRequestSchema,
  TokenPairSchema,
  UserSchema,
} from '../schemas.ts';
import { type CallOptionsFor, isoTime, required } from '../upstream.ts';
import { browserSessionRoutes } from './browser-session.ts';
import { signInCountingFailures } from './sign-in.ts';
import type { TypeboxApp } from './typebox-app.ts';

/** What these routes need of auth-service. */
export type AuthClient = Pick<Client<typeof AuthService>, 'signUp' | 'signIn' | 'refresh' | 'signOut' | 'getJwks'>;

export interface AuthRoutesDeps {
  authClient: AuthClient;
  callOptions: CallOptionsFor;
  /** How many failed sign-ins a client IP may have in a window (auth-service limits each account). */
  failedSignInsPerIp: RateLimitSettings;
}

const tokenPairResponse = (description: string) => jsonResponse(description, ref(TokenPairSchema), ['cache-control']);

/** Sign-up, sign-in, token refresh and sign-out, and the JWKS that verifies access tokens. */
export function authRoutes(deps: AuthRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const failedSignIns = limitFailuresPerIp(
      app,
      deps.failedSignInsPerIp,
      'Too many failed sign-ins from this address; retry later.',
    );
    signUp(app, deps);
    signIn(app, deps, failedSignIns);
    refresh(app, deps);
    signOut(app, deps);
    jwks(app, deps);
    // The web client's sessions share the failed sign-ins' count with the JSON API's sign-in.
    browserSessionRoutes(app, { ...deps, failedSignIns });
  };
}

function signUp(app: TypeboxApp, { authClient, callOptions }: AuthRoutesDeps): void {
  app.post(
    '/v1/auth/sign-up',
    {
      schema: {
        summary: 'Create an account',
        tags: ['auth'],
        body: ref(SignUpRequestSchema),
        response: {
          201: jsonResponse('The account was created; it gets a welcome note shortly.', ref(UserSchema), ['location']),
          ...problemResponses([400, 409, 413, 415], { 409: 'The email is already registered (in any letter case).' }),
        },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      const { user } = await authClient.signUp({ email, password }, callOptions(request));
      const created = required(user, 'user');
      return reply
        .code(201)
        .header('location', `/v1/users/${created.userId}`)
        .send({
          user_id: created.userId,
          email: created.email,
          created_at: isoTime(created.createdAt, 'created_at'),
        });
    },
  );
}

function signIn(app: TypeboxApp, { authClient, callOptions }: AuthRoutesDeps, failedSignIns: FailureLimit): void {
  app.post(
    '/v1/auth/sign-in',
    {
      schema: {
        summary: 'Exchange email and password for a token pair',
        tags: ['auth'],
        body: ref(SignInRequestSchema),
        response: {
          200: tokenPairResponse('A new token pair (a new refresh-token family).'),
          ...problemResponses([400, 401, 413, 415], {
            401: 'Wrong password, unknown email or deleted account: the same answer in every case.',
            429: 'Too many failed sign-ins for this account or from this address, or too many requests: wait for Retry-After seconds.',
          }),
        },
      },
    },
    async (request, reply) => {
      const tokens = await signInCountingFailures(request, request.body, { authClient, callOptions, failedSignIns });
      return reply.header('cache-control', 'no-store').send(tokenResponse(tokens));
    },
  );
}

function refresh(app: TypeboxApp, { authClient, callOptions }: AuthRoutesDeps): void {
  app.post(
    '/v1/auth/refresh',
    {
      schema: {
        summary: 'Exchange a refresh token for a new token pair (single use)',
        tags: ['auth'],
        body: ref(RefreshTokenRequestSchema),
        response: {
          200: tokenPairResponse('A new token pair of the same family; the refresh token presented is used up.'),
          ...problemResponses([400, 401, 413, 415], {
            401: 'Unknown, expired, revoked or already used refresh token; a used one also revokes its whole family.',
          }),
        },
      },
    },
    async (request, reply) => {
      const { tokens } = await authClient.refresh({ refreshToken: request.body.refresh_token }, callOptions(request));
      return reply.header('cache-control', 'no-store').send(tokenResponse(tokens));
    },
  );
}

function signOut(app: TypeboxApp, { authClient, callOptions }: AuthRoutesDeps): void {
  app.post(
    '/v1/auth/sign-out',
    {
      schema: {
        summary: "Revoke a refresh token's family (idempotent)",
        tags: ['auth'],
        body: ref(RefreshTokenRequestSchema),
        response: {
          204: emptyResponse('Signed out: no token of the family refreshes any more.'),
          ...problemResponses([400, 413, 415]),
        },
      },
    },
    async (request, reply) => {
      await authClient.signOut({ refreshToken: request.body.refresh_token }, callOptions(request));
      return reply.code(204).send(null);
    },
  );
}

function jwks(app: TypeboxApp, { authClient, callOptions }: AuthRoutesDeps): void {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        summary: 'The public keys that verify access tokens',
        tags: ['auth'],
        response: {
          200: jsonResponse(
            'The JWKS (RFC 7517): every key that may have signed a valid access token.',
            ref(JwksSchema),
          ),
          ...problemResponses([]),
        },
      },
    },
    async (request, reply) => {
      const { jwksJson } = await authClient.getJwks({}, callOptions(request));
      // Keys rotate rarely; verifiers may cache them for a few minutes.
      return reply.header('cache-control', 'public, max-age=300').send(JSON.parse(jwksJson));
    },
  );
}

/** A token pair as an OAuth 2.0 token response (sent with Cache-Control: no-store, RFC 6749 §5.1). */
function tokenResponse(pair: TokenPair | undefined) {
  const tokens = required(pair, 'tokens');
  return {
    access_token: tokens.accessToken,
    token_type: tokens.tokenType,
    expires_in: Number(tokens.expiresIn),
    refresh_token: tokens.refreshToken,
    refresh_expires_in: Number(tokens.refreshExpiresIn),
  };
}
