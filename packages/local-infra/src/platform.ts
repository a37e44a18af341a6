import { join } from 'node:path';
import type { KeyFiles } from './keys.ts';
import { type ServiceProcess, startServiceProcess } from './processes.ts';
import { grpcServing, httpOk, waitUntil } from './readiness.ts';

export type ServiceName = 'auth' | 'notes' | 'saga' | 'bff';

export interface PlatformOptions {
  /** The repository root; services run from their sources there. */
  root: string;
  /** One connection string per service database. */
  dsn: { auth: string; notes: string; saga: string };
  /** Bootstrap brokers of the Kafka cluster the services publish to. */
  kafkaBrokers: string;
  ports: { bff: number; auth: number; notes: number; saga: number; sagaHttp: number };
  keys: KeyFiles;
  logLevel: string;
  /** Added to every service's environment (tests switch things with it). */
  env?: Record<string, string>;
  /** Added to one service's environment. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  onLine: (service: string, line: string, stream: 'stdout' | 'stderr') => void;
  onUnexpectedExit: (service: string, code: number | null, signal: NodeJS.Signals | null) => void;
  readyTimeoutMs?: number;
}

export interface Platform {
  bffUrl: string;
  /** The gRPC base URL of a service (tools and tests call the saga-orchestrator's API there). */
  grpcUrl(name: Exclude<ServiceName, 'bff'>): string;
  /** Stops one service gracefully (SIGTERM), or at once with { kill: true } (SIGKILL). */
  stopService(name: ServiceName, options?: { kill?: boolean }): Promise<void>;
  /** Starts a stopped service again and waits until it is ready. */
  startService(name: ServiceName): Promise<void>;
  /** Stops the BFF first (it drains), then the rest. */
  stop(): Promise<void>;
}

const host = '127.0.0.1';

/**
 * Starts auth-service, notes-service and saga-orchestrator, waits for their gRPC health, then
 * bff-rest and its /readyz: the whole platform as real processes, as `make dev`, the end-to-end
 * tests and the benchmarks run it.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  const grpcUrl = (port: number) => `http://${host}:${port}`;
  const bffUrl = `http://${host}:${options.ports.bff}`;
  const services: Record<ServiceName, { dir: string; env: Record<string, string>; ready: () => Promise<boolean> }> = {
    auth: {
      dir: 'auth-service',
      env: {
        AUTH_DB_DSN: options.dsn.auth,
        AUTH_GRPC_HOST: host,
        AUTH_GRPC_PORT: String(options.ports.auth),
        JWT_PRIVATE_KEY: options.keys.privateKeyFile,
      },
      ready: () => grpcServing(grpcUrl(options.ports.auth)),
    },
    notes: {
      dir: 'notes-service',
      env: {
        NOTES_DB_DSN: options.dsn.notes,
        NOTES_GRPC_HOST: host,
        NOTES_GRPC_PORT: String(options.ports.notes),
      },
      ready: () => grpcServing(grpcUrl(options.ports.notes)),
    },
    saga: {
      dir: 'saga-orchestrator',
      env: {
        SAGA_DB_DSN: options.dsn.saga,
        SAGA_GRPC_HOST: host,
        SAGA_GRPC_PORT: String(options.ports.saga),
        SAGA_HTTP_PORT: String(options.ports.sagaHttp),
        AUTH_GRPC_URL: grpcUrl(options.ports.auth),
      },
      ready: () => grpcServing(grpcUrl(options.ports.saga)),
    },
    bff: {
      dir: 'bff-rest',
      env: {
        BFF_HTTP_HOST: host,
        BFF_HTTP_PORT: String(options.ports.bff),
        AUTH_GRPC_URL: grpcUrl(options.ports.auth),
        NOTES_GRPC_URL: grpcUrl(options.ports.notes),
        SAGA_GRPC_URL: grpcUrl(options.ports.saga),
        JWT_PUBLIC_KEY: options.keys.publicKeyFile,
      },
      ready: () => httpOk(`${bffUrl}/readyz`),
    },
  };
  const running = new Map<ServiceName, ServiceProcess>();

  const launch = (name: ServiceName): ServiceProcess => {
    const service = services[name];
    const process = startServiceProcess({
      name,
      entry: join(options.root, 'services', service.dir, 'src', 'main.ts'),
      cwd: options.root,
      env: {
        LOG_LEVEL: options.logLevel,
        KAFKA_BROKERS: options.kafkaBrokers,
        ...options.env,
        ...service.env,
        ...options.serviceEnv?.[name],
      },
      onLine: options.onLine,
      onUnexpectedExit: options.onUnexpectedExit,
    });
    running.set(name, process);
    return process;
  };
  const startService = async (name: ServiceName) => {
    launch(name);
    await waitUntil(services[name].dir, services[name].ready, timeoutMs);
  };
  const stopService = async (name: ServiceName, how: { kill?: boolean } = {}) => {
    const process = running.get(name);
    running.delete(name);
    await (how.kill ? process?.kill() : process?.stop());
  };
  const stopAll = async () => {
    await stopService('bff');
    await Promise.all([...running.keys()].map((name) => stopService(name)));
  };

  try {
    await Promise.all((['auth', 'notes'] as const).map(startService));
    // The orchestrator calls auth-service; the BFF checks every upstream in /readyz.
    await startService('saga');
    await startService('bff');
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    bffUrl,
    grpcUrl: (name) => grpcUrl(options.ports[name]),
    startService,
    stopService,
    stop: stopAll,
  };
}
