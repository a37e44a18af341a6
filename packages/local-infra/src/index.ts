export { startLocalPostgres, type LocalPostgres, type LocalPostgresOptions } from './postgres.ts';
export { freePort } from './ports.ts';
