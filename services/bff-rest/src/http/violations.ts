import {
  type FieldPathElement,
  type Violation,
  ViolationsSchema,
} from '@bufbuild/protovalidate/gen/buf/validate/validate_pb.js';
import type { ConnectError } from '@connectrpc/connect';
import type { FieldError } from './schemas.ts';

/** Upstream (proto) field names that the public API spells differently. */
const apiFieldNames: Record<string, string> = { note_id: 'id' };

/** The field errors of an INVALID_ARGUMENT, from its buf.validate.Violations detail. */
export function fieldErrorsFromViolations(error: ConnectError): FieldError[] {
  return error
    .findDetails(ViolationsSchema)
    .flatMap((detail) => detail.violations)
    .map((violation) => ({ field: apiFieldName(violation), message: violation.message }));
}

/** The violated field's dotted path in the API's spelling; "request" for a rule on the whole message. */
export function apiFieldName(violation: Violation): string {
  const path = violation.field?.elements.map(elementName).join('.') ?? '';
  if (path === '') return 'request';
  return apiFieldNames[path] ?? path;
}

/** `tags[3]` for an item of a repeated field, else the field's name. */
function elementName(element: FieldPathElement): string {
  return element.subscript.case === 'index' ? `${element.fieldName}[${element.subscript.value}]` : element.fieldName;
}
