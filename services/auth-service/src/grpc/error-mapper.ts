import { Code, ConnectError } from '@connectrpc/connect';
import type { ErrorMapper } from '@notes/grpc';
import { DomainError, type DomainErrorCode, TooManySignInAttempts } from '../domain/errors.ts';

// Typed on every code, so a new domain error cannot be forgotten here.
const statusByErrorCode: Record<DomainErrorCode, Code> = {
  EMAIL_TAKEN: Code.AlreadyExists,
  INVALID_CREDENTIALS: Code.Unauthenticated,
  TOO_MANY_SIGN_IN_ATTEMPTS: Code.ResourceExhausted,
  INVALID_REFRESH_TOKEN: Code.Unauthenticated,
  INVALID_EMAIL: Code.InvalidArgument,
  INVALID_PASSWORD: Code.InvalidArgument,
  USER_NOT_FOUND: Code.NotFound,
};

/**
 * The ErrorMapper for errorInterceptor: domain errors → gRPC statuses (RESOURCE_EXHAUSTED with
 * `retry-after` metadata, in seconds); anything else stays unknown (INTERNAL).
 */
export const mapAuthError: ErrorMapper = (error) => {
  if (!(error instanceof DomainError)) return undefined;
  const metadata =
    error instanceof TooManySignInAttempts ? { 'retry-after': String(error.retryAfterSeconds) } : undefined;
  return new ConnectError(error.message, statusByErrorCode[error.code], metadata);
};
