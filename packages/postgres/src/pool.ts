import pg from 'pg';
import { connectionAttributes, tracedQuery } from './tracing.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  dsn: string;
  maxConnections: number;
  /** Shown in pg_stat_activity, so an operator can tell the services apart. */
  applicationName: string;
  statementTimeoutMs?: number;
  /**
   * How long a query waits for a connection (a free one of the pool, or a new one made); default
   * 2000 ms. Below the BFF's upstream deadline (5 s), so that a database that does not answer
   * reaches the client as the service's UNAVAILABLE (503), not as the BFF giving up (504).
   */
  connectTimeoutMs?: number;
  /**
   * An idle connection that breaks (the database restarts or shuts down) is dropped and replaced
   * by the pool, and this is told about it (services log it). node-postgres would otherwise end the
   * process; ignoring it is safe, since the next query on a new connection reports a real outage.
   */
  onIdleError?: (error: Error) => void;
}

// timestamptz comes back as a Date; bigint as a string, which repositories convert where they read it.
export function createPool(options: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: options.dsn,
    max: options.maxConnections,
    application_name: options.applicationName,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', options.onIdleError ?? (() => undefined));
  // A connection that breaks while checked out (its backend terminated, the server restarting)
  // emits 'error' on its client, where node-postgres has no listener then: the process would end.
  // The query under way rejects anyway, and the next one fails as unqueryable; the pool drops it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  // Statements sent through the pool are traced (inside a traced span); transactions trace theirs in withTransaction.
  pool.query = tracedQuery(pool.query.bind(pool) as never, connectionAttributes(options.dsn)) as typeof pool.query;
  return pool;
}
