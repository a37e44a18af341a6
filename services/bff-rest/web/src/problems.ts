// Every failed request as something a person can act on: what went wrong, the fields to fix, how
// long to wait (429) or whether trying again may help (503, no connection).
import { ProblemError } from '@notes/api-client';

export interface Failure {
  message: string;
  /** Field name (as the API spells it) → what is wrong with it. */
  fields: Record<string, string>;
  /** Trying the same again later may work (503, 504, no connection). */
  retryable: boolean;
}

export function describeFailure(error: unknown): Failure {
  if (!(error instanceof ProblemError)) {
    return {
      message: 'The server cannot be reached. Check your connection and try again.',
      fields: {},
      retryable: true,
    };
  }
  const fields = Object.fromEntries((error.problem?.errors ?? []).map(({ field, message }) => [field, message]));
  const detail = error.problem?.detail ?? `The request failed (${error.status}).`;
  if (error.status === 429) {
    const seconds = Number(error.headers.get('retry-after'));
    const wait = Number.isFinite(seconds) && seconds > 0 ? ` Try again in ${waitText(seconds)}.` : ' Try again later.';
    return { message: `Too many requests.${wait}`, fields, retryable: false };
  }
  if (error.status === 503 || error.status === 504) {
    return { message: 'The service is unavailable right now. Try again in a moment.', fields, retryable: true };
  }
  if (error.status === 400 && Object.keys(fields).length > 0) {
    return { message: 'Please correct the highlighted fields.', fields, retryable: false };
  }
  return { message: detail, fields, retryable: false };
}

function waitText(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
