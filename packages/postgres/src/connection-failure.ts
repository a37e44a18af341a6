/** Socket errors of a server that is down, restarting or out of reach. */
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);
/**
 * SQLSTATEs of a server that cannot serve now: class 08 (connection exception), too many
 * connections, and the shutdown ones (admin, crash, starting up or recovering).
 */
const unavailableStates = new Set(['53300', '57P01', '57P02', '57P03']);

/**
 * Whether error says PostgreSQL could not be reached or dropped the connection (node-postgres
 * gives these as plain Errors: a pool's connect timeout, a connection ended under a query), as
 * opposed to a statement the server refused. A call that failed so may work when retried.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && (networkCodes.has(code) || unavailableStates.has(code) || code.startsWith('08')))
    return true;
  return /^(timeout exceeded when trying to connect|Connection terminated)/.test(error.message);
}
