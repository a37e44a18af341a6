import { Code, ConnectError } from '@connectrpc/connect';
import { DomainError, type DomainErrorCode } from '../domain/errors.ts';

// Typed on every code, so a new domain error cannot be forgotten here.
const statusByErrorCode: Record<DomainErrorCode, Code> = {
  EMAIL_TAKEN: Code.AlreadyExists,
  INVALID_CREDENTIALS: Code.Unauthenticated,
  INVALID_REFRESH_TOKEN: Code.Unauthenticated,
  INVALID_EMAIL: Code.InvalidArgument,
  INVALID_PASSWORD: Code.InvalidArgument,
  USER_NOT_FOUND: Code.NotFound,
};

/** The ErrorMapper for errorInterceptor: domain errors → gRPC statuses; anything else stays unknown (INTERNAL). */
export function mapAuthError(error: unknown): ConnectError | undefined {
  if (!(error instanceof DomainError)) return undefined;
  return new ConnectError(error.message, statusByErrorCode[error.code]);
}
