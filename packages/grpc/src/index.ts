export { createGrpcServer, type GrpcServer, type GrpcServerOptions } from './server.ts';
export { validationInterceptor } from './validation.ts';
export { errorInterceptor, type ErrorMapper } from './errors.ts';
export { registerHealth, type HealthCheck } from './health.ts';
export { createGrpcTransport } from './transport.ts';
