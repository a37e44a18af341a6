import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  dsn: string;
  maxConnections: number;
  /** Shown in pg_stat_activity, so an operator can tell the services apart. */
  applicationName: string;
  statementTimeoutMs?: number;
}

// timestamptz comes back as a Date; bigint as a string, which repositories convert where they read it.
export function createPool(options: PoolOptions): Pool {
  return new pg.Pool({
    connectionString: options.dsn,
    max: options.maxConnections,
    application_name: options.applicationName,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
}
