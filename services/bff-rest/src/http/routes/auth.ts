import type { Client } from '@connectrpc/connect';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuthService, TokenPair } from '@notes/contracts/auth/v1';
import {
  JwksSchema,
  NoContentSchema,
  problemResponses,
  RefreshTokenRequestSchema,
  SignInRequestSchema,
  SignUpRequestSchema,
  TokenPairSchema,
  UserSchema,
} from '../schemas.ts';
import { type CallOptionsFor, isoTime, required } from '../upstream.ts';

/** What these routes need of auth-service. */
export type AuthClient = Pick<Client<typeof AuthService>, 'signUp' | 'signIn' | 'refresh' | 'signOut' | 'getJwks'>;

export interface AuthRoutesDeps {
  authClient: AuthClient;
  callOptions: CallOptionsFor;
}

/** Sign-up, sign-in, token refresh and sign-out, and the JWKS that verifies access tokens. */
export function authRoutes({ authClient, callOptions }: AuthRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/auth/sign-up',
      { schema: { body: SignUpRequestSchema, response: { 201: UserSchema, ...problemResponses(400, 409, 413, 415) } } },
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

    app.post(
      '/v1/auth/sign-in',
      {
        schema: {
          body: SignInRequestSchema,
          response: { 200: TokenPairSchema, ...problemResponses(400, 401, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const { email, password } = request.body;
        const { tokens } = await authClient.signIn({ email, password }, callOptions(request));
        return reply.header('cache-control', 'no-store').send(tokenResponse(tokens));
      },
    );

    app.post(
      '/v1/auth/refresh',
      {
        schema: {
          body: RefreshTokenRequestSchema,
          response: { 200: TokenPairSchema, ...problemResponses(400, 401, 413, 415) },
        },
      },
      async (request, reply) => {
        const { tokens } = await authClient.refresh({ refreshToken: request.body.refresh_token }, callOptions(request));
        return reply.header('cache-control', 'no-store').send(tokenResponse(tokens));
      },
    );

    app.post(
      '/v1/auth/sign-out',
      {
        schema: {
          body: RefreshTokenRequestSchema,
          response: { 204: NoContentSchema, ...problemResponses(400, 413, 415) },
        },
      },
      async (request, reply) => {
        await authClient.signOut({ refreshToken: request.body.refresh_token }, callOptions(request));
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/.well-known/jwks.json',
      { schema: { response: { 200: JwksSchema, ...problemResponses() } } },
      async (request, reply) => {
        const { jwksJson } = await authClient.getJwks({}, callOptions(request));
        // Keys rotate rarely; verifiers may cache them for a few minutes.
        return reply.header('cache-control', 'public, max-age=300').send(JSON.parse(jwksJson));
      },
    );
  };
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
