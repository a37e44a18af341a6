import { UserNotFound } from '../domain/errors.ts';
import type { Clock, UnitOfWork } from './ports.ts';

export interface BeginUserDeletionDependencies {
  unitOfWork: UnitOfWork;
  clock: Clock;
}

/**
 * The first step of deleting an account (DeleteUserSaga): marks it as being deleted, so it can no
 * longer sign in or refresh, and revokes all its refresh tokens, in one transaction. The account
 * itself stays until the saga deletes it. Idempotent; throws UserNotFound for an unknown user.
 */
export type BeginUserDeletion = (userId: string) => Promise<void>;

export function createBeginUserDeletion(deps: BeginUserDeletionDependencies): BeginUserDeletion {
  return (userId) =>
    deps.unitOfWork.run(async ({ users, refreshTokens }) => {
      const now = deps.clock.now();
      // Sign-in and refresh check the mark themselves, so a token that a refresh racing with this
      // transaction still hands out is refused when it is presented.
      if (!(await users.markDeletionRequested(userId, now))) throw new UserNotFound(userId);
      await refreshTokens.revokeAllOf(userId, now);
    });
}
