export { freePort } from './ports.ts';
export { type LocalPostgres, type LocalPostgresOptions, startLocalPostgres } from './postgres.ts';
