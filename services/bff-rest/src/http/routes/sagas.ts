import { type Client, Code, ConnectError } from '@connectrpc/connect';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Saga, SagaService } from '@notes/contracts/saga/v1';
import type { AccessTokenVerifier } from '../access-token.ts';
import { requireAccessToken } from '../authenticate.ts';
import { bearerAuth } from '../openapi.ts';
import {
  jsonResponse,
  problemResponses,
  ref,
  SagaAcceptedSchema,
  SagaIdParamsSchema,
  SagaSchema,
  sagaStates,
} from '../schemas.ts';
import { type CallOptionsFor, isoTime, required } from '../upstream.ts';
import type { TypeboxApp } from './typebox-app.ts';

/** What these routes need of saga-orchestrator. */
export type SagaClient = Pick<Client<typeof SagaService>, 'startDeleteUserSaga' | 'getSaga'>;

export interface SagaRoutesDeps {
  sagaClient: SagaClient;
  accessTokenVerifier: AccessTokenVerifier;
  callOptions: CallOptionsFor;
}

/**
 * Deleting the caller's account (a DeleteUserSaga) and following the sagas about the caller. Every
 * route is authenticated, and the user is always the token's subject.
 */
export function sagaRoutes(deps: SagaRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    requireAccessToken(app, deps.accessTokenVerifier);
    deleteAccount(app, deps);
    getSaga(app, deps);
  };
}

function deleteAccount(app: TypeboxApp, { sagaClient, callOptions }: SagaRoutesDeps): void {
  app.delete(
    '/v1/auth/me',
    {
      schema: {
        summary: "Delete the caller's account",
        description:
          'From the 202 on the account cannot sign in and its refresh tokens are revoked; the DeleteUserSaga ' +
          'then deletes its notes and the account (follow it at `status_url`), after which the email is free again.',
        tags: ['auth', 'sagas'],
        security: bearerAuth,
        response: {
          202: jsonResponse('The deletion has begun.', ref(SagaAcceptedSchema), ['location']),
          ...problemResponses([401]),
        },
      },
    },
    async (request, reply) => {
      const { saga } = await sagaClient.startDeleteUserSaga({ userId: request.ownerId }, callOptions(request));
      const sagaId = required(saga, 'saga').sagaId;
      const statusUrl = `/v1/sagas/${sagaId}`;
      return reply.code(202).header('location', statusUrl).send({ saga_id: sagaId, status_url: statusUrl });
    },
  );
}

function getSaga(app: TypeboxApp, { sagaClient, callOptions }: SagaRoutesDeps): void {
  app.get(
    '/v1/sagas/:id',
    {
      schema: {
        summary: 'Follow a saga about the caller',
        tags: ['sagas'],
        security: bearerAuth,
        params: ref(SagaIdParamsSchema),
        response: {
          200: jsonResponse('The saga.', ref(SagaSchema)),
          ...problemResponses([400, 401, 404], {
            400: 'The id is not a UUID.',
            404: 'No such saga, or one about someone else.',
          }),
        },
      },
    },
    async (request) => {
      const { saga } = await sagaClient.getSaga({ sagaId: request.params.id }, callOptions(request));
      const found = required(saga, 'saga');
      // Someone else's saga does not exist for the caller: answered as the orchestrator answers a
      // missing one, through the same mapping, so the two cannot be told apart.
      if (found.userId !== request.ownerId) throw new ConnectError('saga of another user', Code.NotFound);
      return sagaBody(found);
    },
  );
}

function sagaBody(saga: Saga) {
  return {
    saga_id: saga.sagaId,
    type: saga.type,
    state: knownState(saga.state),
    step: saga.step,
    created_at: isoTime(saga.createdAt, 'created_at'),
    updated_at: isoTime(saga.updatedAt, 'updated_at'),
  };
}

/** A state outside the contract's list would be an upstream bug (a 500 here), never passed on. */
function knownState(state: string): (typeof sagaStates)[number] {
  const known = sagaStates.find((candidate) => candidate === state);
  if (known === undefined) throw new Error(`upstream saga in an unknown state: ${state}`);
  return known;
}
