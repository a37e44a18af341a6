import { createValidator, violationsToProto } from '@bufbuild/protovalidate';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';

/**
 * Enforces the protovalidate rules written in the .proto files on every unary request: a bad
 * request is answered INVALID_ARGUMENT with a buf.validate.Violations detail naming each field.
 */
export function validationInterceptor(): Interceptor {
  const validator = createValidator();
  return (next) => async (request) => {
    if (!request.stream) {
      const result = validator.validate(request.method.input, request.message);
      if (result.kind === 'invalid') {
        const [violations, schema] = violationsToProto(result.error.violations);
        const summary = violations.violations.map(
          (v) => `${v.field?.elements.map((e) => e.fieldName).join('.')}: ${v.message}`,
        );
        throw new ConnectError(`invalid request: ${summary.join('; ')}`, Code.InvalidArgument, undefined, [
          { desc: schema, value: violations },
        ]);
      }
      if (result.kind === 'error') throw result.error;
    }
    return next(request);
  };
}
