export { type MigrationCommand, parseCommand, runService, type ServiceEntry } from './run-service.ts';
