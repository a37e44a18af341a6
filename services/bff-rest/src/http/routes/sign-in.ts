import { type Client, Code, ConnectError } from '@connectrpc/connect';
import type { AuthService, TokenPair } from '@notes/contracts/auth/v1';
import type { FastifyRequest } from 'fastify';
import type { FailureLimit } from '../rate-limits.ts';
import { type CallOptionsFor, required } from '../upstream.ts';

export interface SignInDeps {
  authClient: Pick<Client<typeof AuthService>, 'signIn'>;
  callOptions: CallOptionsFor;
  /** Failed sign-ins per client IP, counted alike for the JSON API's sign-in and a browser session's. */
  failedSignIns: FailureLimit;
}

/** A sign-in at auth-service, refused while the client's address has too many failed ones, each 401 counted. */
export async function signInCountingFailures(
  request: FastifyRequest,
  credentials: { email: string; password: string },
  { authClient, callOptions, failedSignIns }: SignInDeps,
): Promise<TokenPair> {
  await failedSignIns.assertMayTry(request);
  const { email, password } = credentials;
  const { tokens } = await authClient.signIn({ email, password }, callOptions(request)).catch(async (error) => {
    if (error instanceof ConnectError && error.code === Code.Unauthenticated) {
      await failedSignIns.recordFailure(request);
    }
    throw error;
  });
  return required(tokens, 'tokens');
}
