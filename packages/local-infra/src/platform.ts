import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTlsFiles, type TlsFiles } from './certificates.ts';
import type { KeyFiles } from './keys.ts';
import { freePort } from './ports.ts';
import { type ServiceProcess, startServiceProcess } from './processes.ts';
import { grpcServing, httpOk, waitUntil } from './readiness.ts';

/** The services by short name; `bff-2`, `bff-3`… are further BFF replicas (PlatformPorts.moreBffs). */
export type ServiceName = GrpcServiceName | 'bff' | `bff-${number}`;

/** The services behind the BFF, which serve gRPC. */
export type GrpcServiceName = 'auth' | 'notes' | 'saga';

/** gRPC ports, the BFF's HTTP port and the operations HTTP ports (/healthz, /readyz, /metrics) of the gRPC services. */
export interface PlatformPorts {
  bff: number;
  /** The HTTP ports of further BFF replicas (bff-2, bff-3…), beside the first on `bff`; none by default. */
  moreBffs?: readonly number[];
  auth: number;
  notes: number;
  saga: number;
  authHttp: number;
  notesHttp: number;
  sagaHttp: number;
}

/** A free port for each (tests and benchmarks run beside whatever else the machine runs). */
export async function freePlatformPorts(bffReplicas = 1): Promise<PlatformPorts> {
  // One after the other: a port just released by a concurrent probe could be handed out twice.
  const moreBffs: number[] = [];
  for (let replica = 2; replica <= bffReplicas; replica++) moreBffs.push(await freePort());
  return {
    bff: await freePort(),
    moreBffs,
    auth: await freePort(),
    notes: await freePort(),
    saga: await freePort(),
    authHttp: await freePort(),
    notesHttp: await freePort(),
    sagaHttp: await freePort(),
  };
}

export interface PlatformOptions {
  /** The repository root; services run from their sources there. */
  root: string;
  /** One connection string per service database. */
  dsn: { auth: string; notes: string; saga: string };
  /** Bootstrap brokers of the Kafka cluster the services publish to. */
  kafkaBrokers: string;
  ports: PlatformPorts;
  keys: KeyFiles;
  logLevel: string;
  /** Added to every service's environment (tests switch things with it). */
  env?: Record<string, string>;
  /** Added to one service's environment (`bff`'s to every BFF replica's). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /**
   * Wins over every setting above: make dev passes its shell's environment, so that each variable
   * a service reads (RATE_LIMIT_PER_IP_MAX=... make dev) reaches it. Tests leave it out and stay hermetic.
   */
  overrides?: Record<string, string>;
  onLine: (service: string, line: string, stream: 'stdout' | 'stderr') => void;
  onUnexpectedExit: (service: string, code: number | null, signal: NodeJS.Signals | null) => void;
  readyTimeoutMs?: number;
  /**
   * Mutual TLS on every internal gRPC hop (the default): a CA and one certificate per service are
   * made in tlsDir, or in a temporary folder removed at stop. false runs them in plaintext
   * (GRPC_PLAINTEXT=true), as the benchmark's TLS on/off comparison does.
   */
  grpcTls?: boolean;
  /** Where the certificates are kept and reused while valid (make dev: .data/tls). */
  tlsDir?: string;
  /**
   * What each service runs: its TypeScript sources (the default), or the bundle `make bundle`
   * builds from them (services/<name>/dist/main.js), as the images run it (ADR 0009).
   */
  serviceEntry?: ServiceEntry;
  /** A file run in place of a service's entry: a test's variant of the service (its own overrides). */
  entryFiles?: Partial<Record<ServiceName, string>>;
}

export type ServiceEntry = 'sources' | 'bundle';

/** The file a service's process runs. */
export function serviceEntryFile(root: string, serviceDir: string, entry: ServiceEntry = 'sources'): string {
  return entry === 'bundle'
    ? join(root, 'services', serviceDir, 'dist', 'main.js')
    : join(root, 'services', serviceDir, 'src', 'main.ts');
}

/** The PEM texts of an identity on the gRPC hops and the CA it trusts. */
export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

export interface Platform {
  bffUrl: string;
  /** Every BFF replica's URL, bffUrl first. */
  bffUrls: string[];
  /** The gRPC base URL of a service (tools and tests call the saga-orchestrator's API there). */
  grpcUrl(name: GrpcServiceName): string;
  /** The base URL of a service's /healthz, /readyz and /metrics (the BFF's is bffUrl). */
  operationsUrl(name: ServiceName): string;
  /**
   * The identity tools and tests present to the gRPC services (issued by the platform CA, as the
   * readiness checks use it); undefined when the platform runs in plaintext.
   */
  grpcClientTls: ClientTls | undefined;
  /**
   * The identity of any caller the platform issued a certificate to (each service, the operator),
   * for tests of who may call what; undefined when the platform runs in plaintext.
   */
  grpcIdentityTls(identity: GrpcIdentity): Promise<ClientTls> | undefined;
  /** Stops one service gracefully (SIGTERM), or at once with { kill: true } (SIGKILL). */
  stopService(name: ServiceName, options?: { kill?: boolean }): Promise<void>;
  /**
   * Starts a stopped service again and waits until it is ready. `env` is added to its environment
   * for this start only (a restart with other settings: a rotated key, a lower limit).
   */
  startService(name: ServiceName, options?: { env?: Record<string, string> }): Promise<void>;
  /** Stops the BFF first (it drains), then the rest. */
  stop(): Promise<void>;
}

const host = '127.0.0.1';

/** Each service's folder under services/. */
const serviceDirs = {
  auth: 'auth-service',
  notes: 'notes-service',
  saga: 'saga-orchestrator',
  bff: 'bff-rest',
} as const;

/** A BFF replica's name (the first is plain `bff`). */
const bffReplica = (index: number): ServiceName => (index === 0 ? 'bff' : `bff-${index + 1}`);

/**
 * The identities on the gRPC hops: each service by its name, and an operator for tools, probes and
 * tests; each certificate also carries its name as SAN URI spiffe://notes-platform/<name>.
 */
const tlsIdentities = {
  'auth-service': ['auth-service', 'localhost', host],
  'notes-service': ['notes-service', 'localhost', host],
  'saga-orchestrator': ['saga-orchestrator', 'localhost', host],
  'bff-rest': ['bff-rest', 'localhost', host],
  operator: ['operator'],
};

export type GrpcIdentity = keyof typeof tlsIdentities;

/**
 * Starts auth-service, notes-service, saga-orchestrator and bff-rest, and waits for the gRPC
 * health of the first three and the BFF's /readyz: the whole platform as real processes, as
 * `make dev`, the end-to-end tests and the benchmarks run it.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  if (options.serviceEntry === 'bundle') {
    const missing = Object.values(serviceDirs)
      .map((dir) => serviceEntryFile(options.root, dir, 'bundle'))
      .filter((file) => !existsSync(file));
    if (missing.length > 0) throw new Error(`no bundle (run \`make bundle\`): ${missing.join(', ')}`);
  }
  const temporaryTlsDir =
    options.grpcTls !== false && options.tlsDir === undefined
      ? await mkdtemp(join(tmpdir(), 'notes-platform-tls-'))
      : undefined;
  const tlsDir = options.tlsDir ?? temporaryTlsDir;
  const tlsFiles =
    options.grpcTls === false || tlsDir === undefined ? undefined : await ensureTlsFiles(tlsDir, tlsIdentities);
  const clientTls = tlsFiles === undefined ? undefined : await readIdentity(tlsFiles, 'operator');
  const tlsEnv = (identity: keyof typeof tlsIdentities): Record<string, string> => {
    const files = tlsFiles?.identities[identity];
    return tlsFiles === undefined || files === undefined
      ? { GRPC_PLAINTEXT: 'true' }
      : { GRPC_TLS_CA: tlsFiles.caFile, GRPC_TLS_CERT: files.certFile, GRPC_TLS_KEY: files.keyFile };
  };
  const grpcUrl = (port: number) => `${tlsFiles === undefined ? 'http' : 'https'}://${host}:${port}`;
  const serving = (port: number) => () => grpcServing(grpcUrl(port), clientTls);
  const bffPorts = [options.ports.bff, ...(options.ports.moreBffs ?? [])];
  const bffUrls = bffPorts.map((port) => `http://${host}:${port}`);
  const bffUrl = bffUrls[0] as string;
  // gRPC health, then the operations port (it starts listening right after the gRPC one).
  const servingBoth = (grpcPort: number, httpPort: number) => async () =>
    (await serving(grpcPort)()) && (await httpOk(`http://${host}:${httpPort}/healthz`));
  const bffService = (port: number, replicaId: string) => ({
    dir: serviceDirs.bff,
    env: {
      ...tlsEnv('bff-rest'),
      BFF_HTTP_HOST: host,
      AUTH_GRPC_URL: grpcUrl(options.ports.auth),
      NOTES_GRPC_URL: grpcUrl(options.ports.notes),
      SAGA_GRPC_URL: grpcUrl(options.ports.saga),
      JWT_PUBLIC_KEY: options.keys.publicKeyFile,
    },
    // What tells the replicas apart wins over every other setting (make dev's shell may set BFF_HTTP_PORT).
    ownEnv: { BFF_HTTP_PORT: String(port), BFF_REPLICA_ID: replicaId },
    ready: () => httpOk(`http://${host}:${port}/readyz`),
  });
  const services: Record<
    string,
    { dir: string; env: Record<string, string>; ownEnv?: Record<string, string>; ready: () => Promise<boolean> }
  > = {
    auth: {
      dir: serviceDirs.auth,
      env: {
        ...tlsEnv('auth-service'),
        AUTH_DB_DSN: options.dsn.auth,
        AUTH_GRPC_HOST: host,
        AUTH_GRPC_PORT: String(options.ports.auth),
        AUTH_HTTP_HOST: host,
        AUTH_HTTP_PORT: String(options.ports.authHttp),
        JWT_PRIVATE_KEY: options.keys.privateKeyFile,
      },
      ready: servingBoth(options.ports.auth, options.ports.authHttp),
    },
    notes: {
      dir: serviceDirs.notes,
      env: {
        ...tlsEnv('notes-service'),
        NOTES_DB_DSN: options.dsn.notes,
        NOTES_GRPC_HOST: host,
        NOTES_GRPC_PORT: String(options.ports.notes),
        NOTES_HTTP_HOST: host,
        NOTES_HTTP_PORT: String(options.ports.notesHttp),
      },
      ready: servingBoth(options.ports.notes, options.ports.notesHttp),
    },
    saga: {
      dir: serviceDirs.saga,
      env: {
        ...tlsEnv('saga-orchestrator'),
        SAGA_DB_DSN: options.dsn.saga,
        SAGA_GRPC_HOST: host,
        SAGA_GRPC_PORT: String(options.ports.saga),
        SAGA_HTTP_HOST: host,
        SAGA_HTTP_PORT: String(options.ports.sagaHttp),
        AUTH_GRPC_URL: grpcUrl(options.ports.auth),
      },
      ready: servingBoth(options.ports.saga, options.ports.sagaHttp),
    },
  };
  const bffNames = bffPorts.map((port, index) => {
    const name = bffReplica(index);
    // Unique while it runs: each replica reads notes.events in a consumer group named after it.
    services[name] = bffService(port, `${host}-${port}`);
    return name;
  });
  const running = new Map<ServiceName, ServiceProcess>();

  const launch = (name: ServiceName, restartEnv: Record<string, string> = {}): ServiceProcess => {
    const service = services[name] as (typeof services)[string];
    // Every BFF replica runs as the first does: its entry file and its environment.
    const kind = bffNames.includes(name) ? 'bff' : name;
    const process = startServiceProcess({
      name,
      entry: options.entryFiles?.[kind] ?? serviceEntryFile(options.root, service.dir, options.serviceEntry),
      cwd: options.root,
      env: {
        LOG_LEVEL: options.logLevel,
        KAFKA_BROKERS: options.kafkaBrokers,
        ...options.env,
        ...service.env,
        ...options.serviceEnv?.[kind],
        ...options.overrides,
        ...service.ownEnv,
        ...restartEnv,
      },
      onLine: options.onLine,
      onUnexpectedExit: options.onUnexpectedExit,
    });
    running.set(name, process);
    return process;
  };
  const startService = async (name: ServiceName, how: { env?: Record<string, string> } = {}) => {
    const launched = launch(name, how.env);
    const service = services[name] as (typeof services)[string];
    // A service that cannot start (its port taken meanwhile, a bad setting) exits: say so at once.
    let ended: string | undefined;
    void launched.exited.then((how) => {
      ended = `it exited (${how})`;
    });
    await waitUntil(name, service.ready, timeoutMs, () => ended);
  };
  const stopService = async (name: ServiceName, how: { kill?: boolean } = {}) => {
    const process = running.get(name);
    running.delete(name);
    await (how.kill ? process?.kill() : process?.stop());
  };
  const stopAll = async () => {
    await Promise.all(bffNames.map((name) => stopService(name)));
    await Promise.all([...running.keys()].map((name) => stopService(name)));
    if (temporaryTlsDir !== undefined) await rm(temporaryTlsDir, { recursive: true, force: true });
  };

  try {
    // All at once: none needs another to start (the orchestrator calls auth-service per saga step,
    // the BFF its upstreams per request), and the BFF's /readyz is 200 only once every upstream
    // answers. One after the other, make dev waited for three Node starts in a row.
    await Promise.all((['auth', 'notes', 'saga', ...bffNames] as const).map((name) => startService(name)));
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    bffUrl,
    bffUrls,
    grpcUrl: (name) => grpcUrl(options.ports[name]),
    operationsUrl: (name) =>
      bffNames.includes(name)
        ? (bffUrls[bffNames.indexOf(name)] as string)
        : `http://${host}:${options.ports[`${name as GrpcServiceName}Http`]}`,
    grpcClientTls: clientTls,
    grpcIdentityTls: (identity) => tlsFiles && readIdentity(tlsFiles, identity),
    startService,
    stopService,
    stop: stopAll,
  };
}

async function readIdentity(files: TlsFiles, name: string): Promise<ClientTls> {
  const identity = files.identities[name] as { certFile: string; keyFile: string };
  const [ca, cert, key] = await Promise.all(
    [files.caFile, identity.certFile, identity.keyFile].map((file) => readFile(file, 'utf8')),
  );
  return { ca, cert, key } as ClientTls;
}
