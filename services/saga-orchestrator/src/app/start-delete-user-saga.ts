import { deleteUserSaga } from '../domain/sagas.ts';
import type { Accounts, SagaStarter } from './ports.ts';

export type StartDeleteUserSaga<Started> = (userId: string) => Promise<Started>;

export interface StartDeleteUserSagaDependencies<Started> {
  accounts: Accounts;
  sagas: SagaStarter<Started>;
}

/**
 * Locks the account first, synchronously, so the user is signed out for good before the call
 * returns and an unknown user gets no saga; then starts the DeleteUserSaga, or returns the one
 * already under way for the user (locking again is harmless: it is idempotent).
 */
export function createStartDeleteUserSaga<Started>(
  deps: StartDeleteUserSagaDependencies<Started>,
): StartDeleteUserSaga<Started> {
  return async (userId) => {
    await deps.accounts.beginUserDeletion(userId);
    return deps.sagas.start({ type: deleteUserSaga.type, userId });
  };
}
