export {
  type DependencyWatch,
  type DependencyWatchOptions,
  startDependencyWatch,
  type WatchedDependency,
} from './dependency-watch.ts';
export { createReadiness, type DependencyCheck, defaultCheckTimeoutMs, type Readiness } from './readiness.ts';
export { createMetricsRegistry } from './registry.ts';
export { createOperationsServer, type OperationsServer, type OperationsServerOptions } from './server.ts';
