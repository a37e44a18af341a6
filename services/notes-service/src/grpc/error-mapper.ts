import { create } from '@bufbuild/protobuf';
import { ViolationsSchema } from '@bufbuild/protovalidate/gen/buf/validate/validate_pb.js';
import { Code, ConnectError } from '@connectrpc/connect';
import type { ErrorMapper } from '@notes/grpc';
import { InvalidInput, NoteNotFound, VersionMismatch } from '../domain/errors.ts';

/** The notes domain errors as gRPC statuses; undefined (→ INTERNAL) for anything else. */
export const mapNotesError: ErrorMapper = (error) => {
  if (error instanceof NoteNotFound) return new ConnectError(error.message, Code.NotFound);
  if (error instanceof VersionMismatch) return new ConnectError(error.message, Code.FailedPrecondition);
  if (error instanceof InvalidInput) return invalidArgument(error);
  return undefined;
};

/**
 * INVALID_ARGUMENT shaped like validationInterceptor's answer (same message form, a
 * buf.validate.Violations detail naming the field), so a client handles both the same way.
 */
function invalidArgument(error: InvalidInput): ConnectError {
  const violations = create(ViolationsSchema, {
    violations: [{ field: { elements: [{ fieldName: error.field }] }, ruleId: error.code, message: error.message }],
  });
  return new ConnectError(`invalid request: ${error.field}: ${error.message}`, Code.InvalidArgument, undefined, [
    { desc: ViolationsSchema, value: violations },
  ]);
}
