import { create } from '@bufbuild/protobuf';
import { ViolationsSchema } from '@bufbuild/protovalidate/gen/buf/validate/validate_pb.js';
import { Code, ConnectError } from '@connectrpc/connect';
import { IdempotencyKeyReusedSchema } from '@notes/contracts/notes/v1';
import type { ErrorMapper } from '@notes/grpc';
import { IdempotencyKeyReused, InvalidInput, NotesError, type NotesErrorCode } from '../domain/errors.ts';

// Typed on every code, so a new domain error cannot be forgotten here.
const statusByErrorCode: Record<NotesErrorCode, Code> = {
  NOTE_NOT_FOUND: Code.NotFound,
  VERSION_MISMATCH: Code.FailedPrecondition,
  // Past the range of changes still known: the BFF's 410.
  CHANGE_CURSOR_EXPIRED: Code.OutOfRange,
  IDEMPOTENCY_KEY_IN_FLIGHT: Code.Aborted,
  // Told from VERSION_MISMATCH by its IdempotencyKeyReused detail.
  IDEMPOTENCY_KEY_REUSED: Code.FailedPrecondition,
  INVALID_NOTE: Code.InvalidArgument,
  INVALID_NOTE_FILTER: Code.InvalidArgument,
  INVALID_CURSOR: Code.InvalidArgument,
  INVALID_PAGE_LIMIT: Code.InvalidArgument,
  INVALID_CHANGE_LIMIT: Code.InvalidArgument,
};

/**
 * The ErrorMapper for errorInterceptor: notes domain errors → gRPC statuses (an input error with a
 * buf.validate.Violations detail naming its field); anything else stays unknown (INTERNAL).
 */
export const mapNotesError: ErrorMapper = (error) => {
  if (!(error instanceof NotesError)) return undefined;
  if (error instanceof InvalidInput) return invalidInput(error, statusByErrorCode[error.code]);
  if (error instanceof IdempotencyKeyReused) {
    return new ConnectError(error.message, statusByErrorCode[error.code], undefined, [
      { desc: IdempotencyKeyReusedSchema, value: { key: error.key } },
    ]);
  }
  return new ConnectError(error.message, statusByErrorCode[error.code]);
};

/**
 * Shaped like validationInterceptor's answer (same message form, a buf.validate.Violations detail
 * naming the field), so a client handles both the same way.
 */
function invalidInput(error: InvalidInput, status: Code): ConnectError {
  const violations = create(ViolationsSchema, {
    violations: [{ field: { elements: [{ fieldName: error.field }] }, ruleId: error.code, message: error.message }],
  });
  return new ConnectError(`invalid request: ${error.field}: ${error.message}`, status, undefined, [
    { desc: ViolationsSchema, value: violations },
  ]);
}
