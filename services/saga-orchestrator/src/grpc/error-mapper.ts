import { Code, ConnectError } from '@connectrpc/connect';
import type { ErrorMapper } from '@notes/grpc';
import { SagaError, type SagaErrorCode } from '@notes/saga';
import { OrchestratorError, type OrchestratorErrorCode } from '../domain/errors.ts';

// Typed on every code, so a new error of the orchestrator or of the saga engine cannot be forgotten here.
const statusByErrorCode: Record<OrchestratorErrorCode | SagaErrorCode, Code> = {
  USER_NOT_FOUND: Code.NotFound,
  ACCOUNTS_UNAVAILABLE: Code.Unavailable,
  SAGA_NOT_FOUND: Code.NotFound,
  SAGA_STATE_CONFLICT: Code.FailedPrecondition,
};

/**
 * The ErrorMapper for errorInterceptor: the orchestrator's and the saga engine's errors → gRPC
 * statuses; anything else stays unknown (INTERNAL).
 */
export const mapSagaError: ErrorMapper = (error) => {
  if (!(error instanceof OrchestratorError || error instanceof SagaError)) return undefined;
  return new ConnectError(error.message, statusByErrorCode[error.code]);
};
