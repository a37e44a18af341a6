export {
  type AuthorizationOptions,
  allowCallers,
  anyCaller,
  authorizationInterceptor,
  type CallerAllowList,
  type CallerIdentity,
  callerIdentityOf,
  callers,
  isCallAllowed,
  type MethodCallers,
  type ServiceCallers,
  trustDomain,
} from './authorization.ts';
export { type ErrorMapper, errorInterceptor, unavailableWhen } from './errors.ts';
export { type HealthCheck, healthCallers, registerHealth } from './health.ts';
export { createGrpcMetrics, type GrpcMetrics, grpcCodeName } from './metrics.ts';
export { createGrpcServer, type GrpcServer, type GrpcServerOptions } from './server.ts';
export {
  type GrpcTls,
  type GrpcTlsSettings,
  grpcTlsEnvBindings,
  grpcTlsSettingsSchema,
  readGrpcTls,
  reloadGrpcTls,
  type WithGrpcTls,
  withGrpcTls,
} from './tls.ts';
export { tracingClientInterceptor, tracingServerInterceptor } from './tracing.ts';
export { createGrpcTransport, type GrpcTransportOptions, UpstreamConnectTimeout } from './transport.ts';
export { validationInterceptor } from './validation.ts';
