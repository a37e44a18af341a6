import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { AuthService } from '@notes/contracts/auth/v1';
import type { Accounts } from '../app/ports.ts';
import { AccountsUnavailable, UserNotFound } from '../domain/errors.ts';

export interface AuthAccountsOptions {
  /** How long a call may take before it is abandoned (DEADLINE_EXCEEDED). */
  timeoutMs: number;
}

/** Accounts through auth-service's gRPC API. */
export function createAuthAccounts(transport: Transport, options: AuthAccountsOptions): Accounts {
  const auth = createClient(AuthService, transport);
  return {
    async beginUserDeletion(userId) {
      try {
        await auth.beginUserDeletion({ userId }, { timeoutMs: options.timeoutMs });
      } catch (error) {
        const status = ConnectError.from(error);
        if (status.code === Code.NotFound) throw new UserNotFound(userId);
        throw new AccountsUnavailable(`${Code[status.code]}: ${status.rawMessage}`);
      }
    },
  };
}
