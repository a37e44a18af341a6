export { type MigrateOptions, type MigrationResult, migrate } from './migrate.ts';
export { createPool, type Pool, type PoolClient, type PoolOptions } from './pool.ts';
export { type Queryable, withTransaction } from './transaction.ts';
