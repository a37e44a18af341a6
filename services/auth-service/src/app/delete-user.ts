import type { SagaCommand, TransactionScope, UnitOfWork } from './ports.ts';

export interface DeleteUserDependencies {
  unitOfWork: UnitOfWork;
}

/**
 * Removes the account and, with it, its refresh tokens, and records UserDeleted in the same
 * transaction. Deleting a missing user succeeds (idempotent) and records nothing: no event for a no-op.
 */
export type DeleteUser = (userId: string) => Promise<void>;

export function createDeleteUser(deps: DeleteUserDependencies): DeleteUser {
  return (userId) => deps.unitOfWork.run((scope) => deleteAccount(scope, userId));
}

/** The saga command that deletes an account (DeleteUserSaga's last step, SignUpSaga's compensation). */
export interface DeleteUserCommand extends SagaCommand {
  userId: string;
}

/**
 * DeleteUser for a saga: the same deletion, answered with a success reply. It runs on the
 * repositories of the transaction that records the command as processed, so the deletion, its
 * event, the reply and that record commit together. An account already gone counts as deleted:
 * a command sent again still gets its success reply.
 */
export async function deleteUserForSaga(command: DeleteUserCommand, scope: TransactionScope): Promise<void> {
  await deleteAccount(scope, command.userId);
  await scope.replies.succeeded(command);
}

async function deleteAccount({ users, events }: TransactionScope, userId: string): Promise<void> {
  if (await users.delete(userId)) await events.userDeleted(userId);
}
