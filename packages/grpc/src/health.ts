import type { ConnectRouter } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { allowCallers, anyCaller } from './authorization.ts';

/** Resolves true while the service can serve (its database answers, ...). */
export type HealthCheck = () => Promise<boolean>;

/** The standard grpc.health.v1.Health Check, so grpc_health_probe and Kubernetes probes work. */
export function registerHealth(router: ConnectRouter, isHealthy: HealthCheck): void {
  router.rpc(Health.method.check, async () => ({
    status: (await isHealthy().catch(() => false))
      ? HealthCheckResponse_ServingStatus.SERVING
      : HealthCheckResponse_ServingStatus.NOT_SERVING,
  }));
}

/** Probes and tools check health with whichever certificate of the platform CA they hold. */
export const healthCallers = allowCallers(Health, { check: anyCaller, list: anyCaller, watch: anyCaller });
