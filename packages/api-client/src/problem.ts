import type { components } from './gen/openapi.ts';

/** Every error answer of the API: an RFC 9457 problem (application/problem+json). */
export type Problem = components['schemas']['Problem'];

export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const { status, title } = value as Record<string, unknown>;
  return typeof status === 'number' && typeof title === 'string';
}

/** An answer that was not a success, as an Error that carries its problem. */
export class ProblemError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;
  /** The answer's headers (a 429's Retry-After, a 503's). */
  readonly headers: Headers;

  constructor(response: Response, body: unknown) {
    const problem = isProblem(body) ? body : undefined;
    super(`${response.status} ${problem?.detail || problem?.title || response.statusText} (${response.url})`);
    this.name = 'ProblemError';
    this.status = response.status;
    this.problem = problem;
    this.headers = response.headers;
  }
}

/**
 * The body of a successful answer; a ProblemError for any other:
 * `const note = dataOrThrow(await api.POST('/v1/notes', { body: { title } }))`.
 */
export function dataOrThrow<Data>(result: { data?: Data; error?: unknown; response: Response }): Data {
  if (result.error !== undefined || !result.response.ok) throw new ProblemError(result.response, result.error);
  return result.data as Data;
}
