import { STATUS_CODES } from 'node:http';
import { Code, ConnectError } from '@connectrpc/connect';
import { IdempotencyKeyReusedSchema } from '@notes/contracts/notes/v1';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AllowedMethods } from './allowed-methods.ts';
import type { FieldError, Problem } from './schemas.ts';
import { fieldErrorsFromValidation } from './validation.ts';
import { fieldErrorsFromViolations } from './violations.ts';

/**
 * An error answered as a problem+json response with exactly this status and detail: thrown by
 * routes and hooks for the outcomes they decide themselves (401, 412, 503...).
 */
export class ProblemError extends Error {
  override name = 'ProblemError';
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    detail: string,
    options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.status = status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

/** gRPC status → HTTP status and a fixed detail; the upstream's own message never reaches a client. */
const grpcOutcomes: Partial<Record<Code, { status: number; detail: string }>> = {
  [Code.InvalidArgument]: { status: 400, detail: 'The request has invalid fields.' },
  [Code.Unauthenticated]: { status: 401, detail: 'The credentials are invalid or expired.' },
  [Code.NotFound]: { status: 404, detail: 'The resource does not exist.' },
  [Code.AlreadyExists]: { status: 409, detail: 'The resource already exists.' },
  [Code.FailedPrecondition]: { status: 412, detail: 'The resource does not match the precondition (If-Match).' },
  // The change feed's cursor from before deletions that are purged since.
  [Code.OutOfRange]: {
    status: 410,
    detail: 'The cursor is older than the changes still kept; start again without it.',
  },
  [Code.Aborted]: {
    status: 409,
    detail: 'A request with this Idempotency-Key is still being processed; retry later.',
  },
  [Code.ResourceExhausted]: { status: 429, detail: 'Too many requests; retry later.' },
  [Code.Unavailable]: { status: 503, detail: 'A service this request needs is unavailable; retry later.' },
  [Code.DeadlineExceeded]: { status: 504, detail: 'A service this request needs did not answer in time.' },
};

/** Seconds a client should wait after a 429 when the upstream does not say (`retry-after` metadata). */
const defaultRetryAfterSeconds = '60';

/** The one mapping of an upstream gRPC error to the public problem; undefined for codes that are a 500. */
export function problemFromGrpc(error: ConnectError): ProblemError | undefined {
  const outcome = grpcOutcomes[error.code];
  if (outcome === undefined) return undefined;
  switch (error.code) {
    case Code.InvalidArgument:
      return new ProblemError(outcome.status, outcome.detail, { errors: fieldErrorsFromViolations(error) });
    case Code.FailedPrecondition:
      return error.findDetails(IdempotencyKeyReusedSchema).length > 0
        ? new ProblemError(422, 'This Idempotency-Key was used with another request (method, path or body).')
        : new ProblemError(outcome.status, outcome.detail);
    case Code.ResourceExhausted: {
      const retryAfter = error.metadata.get('retry-after');
      const seconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? retryAfter : defaultRetryAfterSeconds;
      return new ProblemError(outcome.status, outcome.detail, { headers: { 'retry-after': seconds } });
    }
    default:
      return new ProblemError(outcome.status, outcome.detail);
  }
}

/** Details for Fastify's own client errors (parsing the body); others get the status phrase. */
const fastifyClientErrorDetails: Record<string, (request: FastifyRequest) => string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (request) =>
    `The request body is larger than the limit of ${request.routeOptions.bodyLimit} bytes.`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => 'Request bodies must be JSON (Content-Type: application/json).',
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'The request body is empty although its Content-Type is JSON.',
  FST_ERR_CTP_INVALID_JSON_BODY: () => 'The request body is not valid JSON.',
};

/**
 * Fastify's error handler (and frameworkErrors handler): every failure becomes a problem+json
 * response. Anything unexpected is logged with its stack and answered 500 without detail.
 */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(request, reply, describeError(error, request));
}

function describeError(error: FastifyError, request: FastifyRequest): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error.validation !== undefined) {
    const errors = fieldErrorsFromValidation(error.validation, error.validationContext);
    return new ProblemError(400, 'The request has invalid fields.', { errors });
  }
  if (error instanceof ConnectError) return describeUpstreamError(error, request);
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    const detail = fastifyClientErrorDetails[error.code]?.(request) ?? STATUS_CODES[error.statusCode] ?? 'Client error';
    return new ProblemError(error.statusCode, detail);
  }
  request.log.error({ err: error }, 'unexpected error');
  return unexpected();
}

function describeUpstreamError(error: ConnectError, request: FastifyRequest): ProblemError {
  const problem = problemFromGrpc(error) ?? unexpected();
  // Upstream failures are the operator's business: logged with the gRPC code, never shown.
  if (problem.status >= 500) {
    const level = problem.status === 500 ? 'error' : 'warn';
    request.log[level]({ err: error, grpcCode: Code[error.code] }, 'upstream call failed');
  }
  return problem;
}

function unexpected(): ProblemError {
  return new ProblemError(500, 'An unexpected error occurred.');
}

/**
 * Fastify's not-found handler: a known path asked with a method it does not serve is a 405 naming
 * the methods it does serve (RFC 9110 §15.5.6); any other path is a 404.
 */
export function createNotFoundHandler(allowedMethods: AllowedMethods) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = pathOf(request);
    const allowed = allowedMethods(path);
    if (allowed.length === 0)
      return sendProblem(request, reply, new ProblemError(404, `No route ${request.method} ${path}.`));
    const detail = `${path} does not serve ${request.method}; it serves ${allowed.join(', ')}.`;
    return sendProblem(request, reply, new ProblemError(405, detail, { headers: { allow: allowed.join(', ') } }));
  };
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemError): FastifyReply {
  // RFC 9110: every 401 names the scheme the client should use.
  const headers = problem.status === 401 ? { 'www-authenticate': 'Bearer', ...problem.headers } : problem.headers;
  const body: Problem = {
    type: 'about:blank',
    title: STATUS_CODES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.message,
    instance: pathOf(request),
    ...(problem.errors === undefined ? {} : { errors: problem.errors }),
  };
  return reply.code(problem.status).headers(headers).type('application/problem+json').send(body);
}

/** The request's path without its query string (a cursor or other input stays out of the body). */
function pathOf(request: FastifyRequest): string {
  return request.url.split('?', 1)[0] ?? request.url;
}
