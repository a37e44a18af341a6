import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { Counter, Histogram, type Registry } from 'prom-client';

export interface GrpcMetrics {
  /** Put it first (outermost) on a server, so that it sees the status the other interceptors answer. */
  server: Interceptor;
  /** On a client transport: every call this process makes, by the status it got. */
  client: Interceptor;
  /** Counts a call refused by the method's allow-list (grpc_server_denied_total), by method and caller. */
  denied(call: { service: string; method: string }, caller: string): void;
}

// Labels as go-grpc-prometheus names them, so that the usual dashboards and rules apply; a bare
// "service" label would clash with the one Prometheus' Kubernetes discovery adds to every target.
const labelNames = ['grpc_service', 'grpc_method', 'grpc_code'] as const;
const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** "INVALID_ARGUMENT" for Code.InvalidArgument: the canonical gRPC status name (Connect has no code for OK). */
export function grpcCodeName(code: Code): string {
  return (Code[code] ?? 'Unknown').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

/**
 * Interceptors counting and timing RPCs (grpc_server_handled_total, grpc_server_handling_seconds and
 * the grpc_client_* twins) by service, method and status code, in `registry`.
 */
export function createGrpcMetrics(registry: Registry): GrpcMetrics {
  const timed = (side: 'server' | 'client', what: string): Interceptor => {
    const handled = new Counter({
      name: `grpc_${side}_handled_total`,
      help: `RPCs ${what}, by service, method and status code.`,
      labelNames,
      registers: [registry],
    });
    const seconds = new Histogram({
      name: `grpc_${side}_handling_seconds`,
      help: `How long RPCs ${what} took until their answer (unary) or its headers (streams), by service, method and code.`,
      labelNames,
      buckets,
      registers: [registry],
    });
    return (next) => async (request) => {
      const started = performance.now();
      const record = (code: string) => {
        const labels = { grpc_service: request.service.typeName, grpc_method: request.method.name, grpc_code: code };
        handled.inc(labels);
        seconds.observe(labels, (performance.now() - started) / 1000);
      };
      try {
        const response = await next(request);
        record('OK');
        return response;
      } catch (error) {
        record(grpcCodeName(ConnectError.from(error).code));
        throw error;
      }
    };
  };
  const denied = new Counter({
    name: 'grpc_server_denied_total',
    help: 'RPCs answered PERMISSION_DENIED because the caller identity is not on the method allow-list, by service, method and caller.',
    labelNames: ['grpc_service', 'grpc_method', 'caller'],
    registers: [registry],
  });
  return {
    server: timed('server', 'handled by this server'),
    client: timed('client', 'made by this process'),
    denied: (call, caller) => denied.inc({ grpc_service: call.service, grpc_method: call.method, caller }),
  };
}
