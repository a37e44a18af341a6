import { Code, ConnectError } from '@connectrpc/connect';
import type { ErrorMapper } from '@notes/grpc';
import { SagaNotFound, SagaStateConflict } from '@notes/saga';
import { AccountsUnavailable, UserNotFound } from '../domain/errors.ts';

/** The orchestrator's and the saga engine's errors as gRPC statuses; undefined (→ INTERNAL) for anything else. */
export const mapSagaError: ErrorMapper = (error) => {
  if (error instanceof SagaNotFound || error instanceof UserNotFound) {
    return new ConnectError(error.message, Code.NotFound);
  }
  if (error instanceof SagaStateConflict) return new ConnectError(error.message, Code.FailedPrecondition);
  if (error instanceof AccountsUnavailable) return new ConnectError(error.message, Code.Unavailable);
  return undefined;
};
