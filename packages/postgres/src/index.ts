export { createPool, type Pool, type PoolClient, type PoolOptions } from './pool.ts';
export { withTransaction, type Queryable } from './transaction.ts';
export { migrate, type MigrateOptions, type MigrationResult } from './migrate.ts';
