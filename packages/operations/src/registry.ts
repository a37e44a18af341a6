import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A Prometheus registry for one composition root (never prom-client's global one: tests run several
 * services in one process), holding the Node runtime's metrics: event-loop lag, heap, GC, handles.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
