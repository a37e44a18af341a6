import type { FastifyRequest } from 'fastify';
import { ProblemError } from './problem.ts';
import type { FieldError } from './schemas.ts';

/**
 * Text the platform cannot keep as it was sent: a NUL character (PostgreSQL text cannot store it:
 * the write would fail as a 500) or a UTF-16 surrogate without its pair (not Unicode: it would
 * reach the services as U+FFFD, so the text stored would differ from the text sent).
 */
function isUnstorableText(text: string): boolean {
  return text.includes('\0') || !text.isWellFormed();
}

/** The fields (dotted paths, as validation names them) of `value` whose strings cannot be stored. */
function unstorableFields(value: unknown, path: string[]): FieldError[] {
  if (typeof value === 'string') {
    return isUnstorableText(value)
      ? [{ field: path.join('.') || 'request', message: 'must not contain NUL characters or unpaired surrogates' }]
      : [];
  }
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => unstorableFields(inner, [...path, key]));
}

/**
 * A preValidation hook: every string of the body, the query and the path parameters must be text
 * the services can store as sent, else 400 naming the fields; before schema validation, so that
 * no route and no upstream ever sees such a string.
 */
export async function refuseUnstorableText(request: FastifyRequest): Promise<void> {
  const errors = [request.params, request.query, request.body].flatMap((part) => unstorableFields(part, []));
  if (errors.length > 0) throw new ProblemError(400, 'The request has invalid fields.', { errors });
}
