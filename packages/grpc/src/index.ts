export { type ErrorMapper, errorInterceptor } from './errors.ts';
export { type HealthCheck, registerHealth } from './health.ts';
export { createGrpcServer, type GrpcServer, type GrpcServerOptions } from './server.ts';
export { createGrpcTransport } from './transport.ts';
export { validationInterceptor } from './validation.ts';
