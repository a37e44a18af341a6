import { fromBinary } from '@bufbuild/protobuf';
import { sagaCommandTypes } from '@notes/contracts/names';
import { DeleteUserSchema } from '@notes/contracts/saga/v1/messages';
import type { SagaCommandHandler } from '@notes/service-main';
import type { DeleteUserCommand } from '../app/delete-user.ts';
import type { TransactionScope } from '../app/ports.ts';

export interface AuthSagaCommandUseCases {
  deleteUser(command: DeleteUserCommand, scope: TransactionScope): Promise<void>;
}

/**
 * auth-service as a saga participant: the commands of saga.commands it carries out, by type, each
 * decoded and run in the scope of the transaction that records it as processed.
 */
export function authSagaCommands(
  useCases: AuthSagaCommandUseCases,
): Record<string, SagaCommandHandler<TransactionScope>> {
  return {
    [sagaCommandTypes.DeleteUser]: (command, payload, scope) =>
      useCases.deleteUser({ ...command, userId: fromBinary(DeleteUserSchema, payload).userId }, scope),
  };
}
