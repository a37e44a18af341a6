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

// timestamptz and bigint come back as strings; the repositories convert them where they read them.
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
