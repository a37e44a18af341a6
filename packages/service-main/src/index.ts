export {
  type BackgroundJob,
  type ConsumedTopics,
  createGrpcService,
  type GrpcService,
  type GrpcServiceDeclaration,
  type GrpcServiceSettings,
  type RunningJob,
  type ServiceApplication,
  type ServiceParts,
} from './grpc-service.ts';
export { type MigrationSet, type Migrations, migrationSets } from './migrations.ts';
export type { RetentionPurge } from './retention.ts';
export { type MigrationCommand, parseCommand, runService, type ServiceEntry } from './run-service.ts';
export {
  type ReceivedSagaCommand,
  type SagaCommandHandler,
  type SagaCommandHandlers,
  sagaCommandsHandler,
} from './saga-commands.ts';
export {
  createServiceOperations,
  type ServiceOperations,
  type ServiceOperationsOptions,
} from './service-operations.ts';
export { grpcServiceEnvBindings, grpcServiceSettings } from './settings.ts';
export { createUnitOfWork, type OutboxWakeUp, type UnitOfWork, type UnitOfWorkOptions } from './unit-of-work.ts';
