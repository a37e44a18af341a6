import type { UnitOfWork } from './ports.ts';

export interface DeleteUserDependencies {
  unitOfWork: UnitOfWork;
}

/**
 * Removes the account and, with it, its refresh tokens, and records UserDeleted in the same
 * transaction. Deleting a missing user succeeds (idempotent) and records nothing: no event for a no-op.
 */
export type DeleteUser = (userId: string) => Promise<void>;

export function createDeleteUser(deps: DeleteUserDependencies): DeleteUser {
  return (userId) =>
    deps.unitOfWork.run(async ({ users, events }) => {
      if (await users.delete(userId)) await events.userDeleted(userId);
    });
}
