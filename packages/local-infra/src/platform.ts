import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTlsFiles, type TlsFiles } from './certificates.ts';
import type { KeyFiles } from './keys.ts';
import { freePort } from './ports.ts';
import { type ServiceProcess, startServiceProcess } from './processes.ts';
import { grpcServing, httpOk, waitUntil } from './readiness.ts';

/**
 * The services by short name; `bff-2`, `bff-3`… are further BFF replicas (PlatformPorts.moreBffs),
 * `notes-2`, `saga-2`… further processes of a gRPC service (Platform.startReplica).
 */
export type ServiceName = GrpcServiceName | GrpcReplicaName | 'bff' | `bff-${number}`;

/** The services behind the BFF, which serve gRPC. */
export type GrpcServiceName = 'auth' | 'notes' | 'saga';

/** A further process of a gRPC service, started by Platform.startReplica. */
export type GrpcReplicaName = `${GrpcServiceName}-${number}`;

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
  /** The gRPC base URL of a service or replica (tools and tests call the saga-orchestrator's API there). */
  grpcUrl(name: GrpcServiceName | GrpcReplicaName): string;
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
  /**
   * Starts one more process of a gRPC service on ports of its own, with the same database, Kafka
   * group and settings (another member of its consumer group, another relay of its outbox), and
   * waits until it is ready; returns its name (`notes-2`, `notes-3`…) for the methods below.
   */
  startReplica(kind: GrpcServiceName): Promise<GrpcReplicaName>;
  /** The pid of a running service's process (a fault test freezes it with SIGSTOP); undefined when stopped. */
  pid(name: ServiceName): number | undefined;
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

/** The prefix of each gRPC service's environment variables (NOTES_GRPC_PORT…). */
const envPrefixes = { auth: 'AUTH', notes: 'NOTES', saga: 'SAGA' } as const;

/** How the platform runs one of its processes. */
interface PlatformService {
  /** Which service it is a process of: its entry file and serviceEnv are that service's. */
  kind: GrpcServiceName | 'bff';
  dir: string;
  env: Record<string, string>;
  /** Wins over every other setting. */
  ownEnv?: Record<string, string>;
  /** A gRPC service's ports; none for the BFF. */
  ports?: { grpc: number; http: number };
  ready: () => Promise<boolean>;
}

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
  const bffService = (port: number, replicaId: string): PlatformService => ({
    kind: 'bff',
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
  // One process of a gRPC service on these ports (its first, or a replica).
  const grpcService = (kind: GrpcServiceName, grpcPort: number, httpPort: number): PlatformService => {
    const prefix = envPrefixes[kind];
    const own: Record<GrpcServiceName, Record<string, string>> = {
      auth: { ...tlsEnv('auth-service'), AUTH_DB_DSN: options.dsn.auth, JWT_PRIVATE_KEY: options.keys.privateKeyFile },
      notes: { ...tlsEnv('notes-service'), NOTES_DB_DSN: options.dsn.notes },
      saga: {
        ...tlsEnv('saga-orchestrator'),
        SAGA_DB_DSN: options.dsn.saga,
        AUTH_GRPC_URL: grpcUrl(options.ports.auth),
      },
    };
    return {
      kind,
      dir: serviceDirs[kind],
      env: {
        ...own[kind],
        [`${prefix}_GRPC_HOST`]: host,
        [`${prefix}_GRPC_PORT`]: String(grpcPort),
        [`${prefix}_HTTP_HOST`]: host,
        [`${prefix}_HTTP_PORT`]: String(httpPort),
      },
      ports: { grpc: grpcPort, http: httpPort },
      ready: servingBoth(grpcPort, httpPort),
    };
  };
  const services = new Map<ServiceName, PlatformService>(
    (['auth', 'notes', 'saga'] as const).map((kind) => [
      kind,
      grpcService(kind, options.ports[kind], options.ports[`${kind}Http`]),
    ]),
  );
  const bffNames = bffPorts.map((port, index) => {
    const name = bffReplica(index);
    // Unique while it runs: each replica reads notes.events in a consumer group named after it.
    services.set(name, bffService(port, `${host}-${port}`));
    return name;
  });
  const running = new Map<ServiceName, ServiceProcess>();

  const serviceNamed = (name: ServiceName): PlatformService => {
    const service = services.get(name);
    if (service === undefined) throw new Error(`no service ${name} on this platform`);
    return service;
  };
  const launch = (name: ServiceName, restartEnv: Record<string, string> = {}): ServiceProcess => {
    const service = serviceNamed(name);
    // Every replica runs as the first of its kind does: its entry file and its environment.
    const kind = service.kind;
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
    const service = serviceNamed(name);
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
  const replicas: Record<GrpcServiceName, number> = { auth: 1, notes: 1, saga: 1 };
  const startReplica = async (kind: GrpcServiceName): Promise<GrpcReplicaName> => {
    replicas[kind] += 1;
    const name: GrpcReplicaName = `${kind}-${replicas[kind]}`;
    // One after the other: a port just released by a concurrent probe could be handed out twice.
    const grpcPort = await freePort();
    services.set(name, grpcService(kind, grpcPort, await freePort()));
    await startService(name);
    return name;
  };
  const portsOf = (name: ServiceName) => {
    const ports = serviceNamed(name).ports;
    if (ports === undefined) throw new Error(`${name} serves no gRPC`);
    return ports;
  };
  return {
    bffUrl,
    bffUrls,
    grpcUrl: (name) => grpcUrl(portsOf(name).grpc),
    operationsUrl: (name) =>
      bffNames.includes(name) ? (bffUrls[bffNames.indexOf(name)] as string) : `http://${host}:${portsOf(name).http}`,
    grpcClientTls: clientTls,
    grpcIdentityTls: (identity) => tlsFiles && readIdentity(tlsFiles, identity),
    startReplica,
    pid: (name) => running.get(name)?.pid,
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
