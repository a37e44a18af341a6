// The metric families the platform exposes, by the service that exposes them. The end-to-end
// metrics test (e2e/metrics.test.ts) checks that each service's /metrics has every family listed
// for it; the deployment test (unit/observability.test.ts) checks that the Grafana dashboard and
// the Prometheus rules name no other metric.

/** prom-client's default metrics, on every service (a selection: the ones dashboards use). */
const runtime = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_start_time_seconds',
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_used_bytes',
  'nodejs_heap_size_total_bytes',
  'nodejs_gc_duration_seconds',
] as const;

const grpcServer = ['grpc_server_handled_total', 'grpc_server_handling_seconds', 'grpc_server_denied_total'] as const;
const grpcClient = ['grpc_client_handled_total', 'grpc_client_handling_seconds'] as const;

/** A service with an outbox (and its in-process relay) and a consumer. */
const events = [
  'outbox_unsent_events',
  'outbox_oldest_unsent_age_seconds',
  'outbox_events_published_total',
  'outbox_publish_duration_seconds',
  'outbox_publish_delay_seconds',
  'outbox_batch_failures_total',
  'kafka_messages_produced_total',
  'kafka_produce_failures_total',
  'kafka_messages_consumed_total',
  'kafka_consume_failures_total',
  'kafka_dlq_messages_total',
  'kafka_consumer_lag',
  'retention_purged_rows_total',
  'retention_purge_failing',
  'dependency_up',
] as const;

const sagas = [
  'saga_transitions_total',
  'sagas_failed_total',
  'saga_duration_seconds',
  'sagas_in_state',
  'saga_overdue_seconds',
] as const;

export const metricFamiliesByService = {
  bff: [...runtime, 'http_request_duration_seconds', ...grpcClient, 'dependency_up'],
  auth: [...runtime, ...grpcServer, ...events],
  notes: [...runtime, ...grpcServer, ...events],
  saga: [...runtime, ...grpcServer, ...grpcClient, ...events, ...sagas],
} as const;

/**
 * What the delivery reconciler serves (make delivery-check ARGS="--serve <port>"; deployed by the
 * chart and docker compose), not a service: e2e/delivery-reconciliation.test.ts checks its /metrics.
 */
export const reconcilerMetricFamilies = [
  'delivery_unprocessed_events',
  'delivery_reconciliation_failing',
  'dependency_up',
] as const;

/** Every family the platform exposes. */
export const platformMetricFamilies: ReadonlySet<string> = new Set([
  ...Object.values(metricFamiliesByService).flat(),
  ...reconcilerMetricFamilies,
]);

/** The series a family of one of these types stands for in PromQL (a histogram's _bucket, _sum and _count). */
export function seriesNamesOf(family: string): string[] {
  return [family, `${family}_bucket`, `${family}_sum`, `${family}_count`];
}
