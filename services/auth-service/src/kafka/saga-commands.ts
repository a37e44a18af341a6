import { fromBinary } from '@bufbuild/protobuf';
import { DeleteUserSchema } from '@notes/contracts/saga/v1/messages';
import type { SagaCommandHandler } from '@notes/service-main';
import type { DeleteUserCommand } from '../app/delete-user.ts';
import type { TransactionalRepositories } from '../app/ports.ts';

/** The one command of the messaging contract that auth-service carries out. */
export const deleteUserCommandType = 'saga.DeleteUser';

export interface AuthSagaCommandUseCases {
  deleteUser(command: DeleteUserCommand, repositories: TransactionalRepositories): Promise<void>;
}

/**
 * auth-service as a saga participant: the commands of saga.commands it carries out, by type, each
 * decoded and run on the repositories of the transaction that records it as processed.
 */
export function authSagaCommands(
  useCases: AuthSagaCommandUseCases,
): Record<string, SagaCommandHandler<TransactionalRepositories>> {
  return {
    [deleteUserCommandType]: (command, payload, repositories) =>
      useCases.deleteUser({ ...command, userId: fromBinary(DeleteUserSchema, payload).userId }, repositories),
  };
}
