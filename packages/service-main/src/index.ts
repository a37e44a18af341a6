export { type MigrationCommand, parseCommand, runService, type ServiceEntry } from './run-service.ts';
export {
  createServiceOperations,
  type ServiceOperations,
  type ServiceOperationsOptions,
} from './service-operations.ts';
