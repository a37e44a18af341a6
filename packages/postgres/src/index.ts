export { type MigrateOptions, type MigrationResult, migrate } from './migrate.ts';
export { createPool, type Pool, type PoolClient, type PoolOptions } from './pool.ts';
export { preparedStatement, type Statement } from './statement.ts';
export { type Queryable, type Transaction, withTransaction } from './transaction.ts';
export { isDatabaseUnavailable } from './unavailable.ts';
