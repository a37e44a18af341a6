import { AsyncLocalStorage } from 'node:async_hooks';

/** What ties a log line to the work it was written for, besides the trace (trace_id, span_id). */
export interface LogFields {
  /** The BFF's X-Request-Id, carried to the gRPC servers as metadata. */
  request_id?: string;
  /** The saga id, for lines written while handling a saga's message or step. */
  correlation_id?: string;
}

// One store for the process, like OpenTelemetry's context: it is the async context itself, not a
// resource, and every logger of the process reads it (the request, message or step being handled).
const logFieldsStorage = new AsyncLocalStorage<LogFields>();

/** Runs work with fields added to every line logged inside it (the enclosing fields are kept). */
export function withLogFields<T>(fields: LogFields, work: () => T): T {
  const enclosing = logFieldsStorage.getStore();
  return logFieldsStorage.run(enclosing === undefined ? fields : { ...enclosing, ...fields }, work);
}

/** The fields of the work being done now; undefined outside any. */
export function currentLogFields(): LogFields | undefined {
  return logFieldsStorage.getStore();
}
