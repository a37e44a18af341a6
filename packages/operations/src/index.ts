export { createReadiness, type DependencyCheck, defaultCheckTimeoutMs, type Readiness } from './readiness.ts';
export { createMetricsRegistry } from './registry.ts';
export { createOperationsServer, type OperationsServer, type OperationsServerOptions } from './server.ts';
