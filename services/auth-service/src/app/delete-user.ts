import type { UsersRepository } from './ports.ts';

export interface DeleteUserDependencies {
  users: UsersRepository;
}

/** Removes the account and, with it, its refresh tokens. Deleting a missing user succeeds (idempotent). */
export type DeleteUser = (userId: string) => Promise<void>;

export function createDeleteUser(deps: DeleteUserDependencies): DeleteUser {
  return (userId) => deps.users.delete(userId);
}
