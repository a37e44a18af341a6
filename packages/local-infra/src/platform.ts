import { join } from 'node:path';
import type { KeyFiles } from './keys.ts';
import { type ServiceProcess, startServiceProcess } from './processes.ts';
import { grpcServing, httpOk, waitUntil } from './readiness.ts';

export interface PlatformOptions {
  /** The repository root; services run from their sources there. */
  root: string;
  /** One connection string per service database. */
  dsn: { auth: string; notes: string };
  /** Bootstrap brokers of the Kafka cluster the services publish to. */
  kafkaBrokers: string;
  ports: { bff: number; auth: number; notes: number };
  keys: KeyFiles;
  logLevel: string;
  /** Added to every service's environment (tests switch things with it). */
  env?: Record<string, string>;
  onLine: (service: string, line: string, stream: 'stdout' | 'stderr') => void;
  onUnexpectedExit: (service: string, code: number | null, signal: NodeJS.Signals | null) => void;
  readyTimeoutMs?: number;
}

export interface Platform {
  bffUrl: string;
  services: Record<'auth' | 'notes' | 'bff', ServiceProcess>;
  /** Stops the BFF first (it drains), then the gRPC services. */
  stop(): Promise<void>;
}

/**
 * Starts auth-service and notes-service, waits for their gRPC health, then bff-rest, and waits
 * for its /readyz: the whole platform as real processes, as `make dev` and the end-to-end tests run it.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const host = '127.0.0.1';
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  const grpcUrl = (port: number) => `http://${host}:${port}`;
  const common = { LOG_LEVEL: options.logLevel, KAFKA_BROKERS: options.kafkaBrokers, ...options.env };
  const start = (name: string, dir: string, env: Record<string, string>) =>
    startServiceProcess({
      name,
      entry: join(options.root, 'services', dir, 'src', 'main.ts'),
      cwd: options.root,
      env: { ...common, ...env },
      onLine: options.onLine,
      onUnexpectedExit: options.onUnexpectedExit,
    });

  const auth = start('auth', 'auth-service', {
    AUTH_DB_DSN: options.dsn.auth,
    AUTH_GRPC_HOST: host,
    AUTH_GRPC_PORT: String(options.ports.auth),
    JWT_PRIVATE_KEY: options.keys.privateKeyFile,
  });
  const notes = start('notes', 'notes-service', {
    NOTES_DB_DSN: options.dsn.notes,
    NOTES_GRPC_HOST: host,
    NOTES_GRPC_PORT: String(options.ports.notes),
  });
  const started: ServiceProcess[] = [auth, notes];
  try {
    await Promise.all([
      waitUntil('auth-service', () => grpcServing(grpcUrl(options.ports.auth)), timeoutMs),
      waitUntil('notes-service', () => grpcServing(grpcUrl(options.ports.notes)), timeoutMs),
    ]);
    const bffUrl = `http://${host}:${options.ports.bff}`;
    const bff = start('bff', 'bff-rest', {
      BFF_HTTP_HOST: host,
      BFF_HTTP_PORT: String(options.ports.bff),
      AUTH_GRPC_URL: grpcUrl(options.ports.auth),
      NOTES_GRPC_URL: grpcUrl(options.ports.notes),
      JWT_PUBLIC_KEY: options.keys.publicKeyFile,
    });
    started.push(bff);
    await waitUntil('bff-rest', () => httpOk(`${bffUrl}/readyz`), timeoutMs);
    return {
      bffUrl,
      services: { auth, notes, bff },
      stop: async () => {
        await bff.stop();
        await Promise.all([auth.stop(), notes.stop()]);
      },
    };
  } catch (error) {
    await Promise.all(started.map((service) => service.stop()));
    throw error;
  }
}
