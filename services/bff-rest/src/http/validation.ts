import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifySchemaValidationError, FastifyServerOptions } from 'fastify';
import { type FieldError, notBlankPattern } from './schemas.ts';

type ValidatorFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>['buildValidator'];
type AjvServerOptions = { customOptions?: Record<string, unknown>; plugins?: unknown[] };
type RouteDefinition = { httpPart?: string };
// At run time a pool compiles from the route definition ({ schema, httpPart, ... }), not from a bare
// schema as @fastify/ajv-compiler's published types say.
type RouteValidatorCompiler = (route: RouteDefinition) => unknown;
type AjvPool = (externalSchemas: unknown, options: AjvServerOptions) => RouteValidatorCompiler;

const ajvPool = AjvCompiler() as unknown as AjvPool;

/**
 * Fastify's own Ajv setup, except for JSON bodies: they are never coerced ({"title": 5} is a 400,
 * not the title "5") and every invalid field is reported at once (bodies are small and flat).
 * Query strings and path parameters are text, so they keep Fastify's coercion ("20" → 20).
 */
export const buildRequestValidator = ((externalSchemas: unknown, options: AjvServerOptions = {}) => {
  const forText = ajvPool(externalSchemas, options);
  const forBody = ajvPool(externalSchemas, {
    ...options,
    customOptions: { ...options.customOptions, coerceTypes: false, allErrors: true },
  });
  return (route: RouteDefinition) => (route.httpPart === 'body' ? forBody : forText)(route);
}) as unknown as ValidatorFactory;

/** Ajv's errors as the API's field errors: `limit`, `email`, `title` (snake_case, as in the schemas). */
export function fieldErrorsFromValidation(
  errors: FastifySchemaValidationError[],
  part: string | undefined,
): FieldError[] {
  return errors.map((error) => ({ field: fieldName(error, part ?? 'request'), message: messageOf(error) }));
}

function fieldName(error: FastifySchemaValidationError, part: string): string {
  const segments = error.instancePath.split('/').slice(1);
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  return segments.length === 0 ? part : segments.reduce(appendSegment);
}

/** `tags` + `3` → `tags[3]`: array items are named as the API's field errors name them. */
function appendSegment(path: string, segment: string): string {
  return /^\d+$/.test(segment) ? `${path}[${segment}]` : `${path}.${segment}`;
}

const formatNames: Record<string, string> = { email: 'an email address', uuid: 'a UUID' };

function messageOf(error: FastifySchemaValidationError): string {
  const { params } = error;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'type':
      return `must be of type ${params.type}`;
    case 'minLength':
      return `must be at least ${params.limit} characters long`;
    case 'maxLength':
      return `must be at most ${params.limit} characters long`;
    case 'minimum':
      return `must be at least ${params.limit}`;
    case 'maximum':
      return `must be at most ${params.limit}`;
    case 'maxItems':
      return `must have at most ${params.limit} items`;
    case 'format':
      return `must be ${formatNames[String(params.format)] ?? `in the format ${params.format}`}`;
    case 'pattern':
      return params.pattern === notBlankPattern ? 'must not be blank' : 'has an invalid format';
    default:
      return error.message ?? 'is invalid';
  }
}
