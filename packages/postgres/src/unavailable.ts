/**
 * SQLSTATEs that say the database cannot serve now, not that the statement is wrong: connection
 * exceptions (class 08), too many connections, and the server shutting down or starting up.
 */
const unavailableStates = new Set(['53300', '57P01', '57P02', '57P03']);

/** Socket errors of a connection that could not be made or broke. */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
]);

/** What node-postgres throws, without a code, when it got no connection in time or lost it. */
const unavailableMessages = [
  // pg-pool: no connection free (or made) within connectionTimeoutMillis.
  'timeout exceeded when trying to connect',
  // pg: the server did not complete the start-up within connectionTimeoutMillis.
  'Connection terminated due to connection timeout',
  'Connection terminated unexpectedly',
  'Connection terminated',
  // pg: a query on a connection that broke while it was checked out.
  'Client has encountered a connection error and is not queryable',
];

/**
 * Whether error says the database is unreachable, overloaded or restarting (retry later: a gRPC
 * UNAVAILABLE, a 503 at the edge) rather than that something is wrong with the request or the code.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || unavailableStates.has(code) || socketCodes.has(code))) {
    return true;
  }
  return unavailableMessages.some((message) => error.message.startsWith(message));
}
