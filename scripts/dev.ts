// `make dev`: the whole platform on this machine, each service given this shell's environment (so
// every documented setting works: RATE_LIMIT_PER_IP_MAX=... make dev). Its files are kept in .data
// (or DEV_DATA_DIR): an embedded PostgreSQL keeps its data in .data/postgres between runs (or
// DATABASE_URL names another server), a single-node Kafka broker keeps its data in .data/kafka (KAFKA_NODES=3: a cluster of three in .data/kafka-3-nodes; or KAFKA_BROKERS names another cluster), an RS256 key pair is
// made in .data/keys unless JWT_PRIVATE_KEY/JWT_PUBLIC_KEY are given, a CA and one certificate
// per service in .data/tls for mutual TLS on the gRPC hops, and every service runs as its own process. Ctrl-C or SIGTERM stops everything.
// PROMETHEUS=1 also runs Prometheus (.tools/bin/prometheus, which `make dev` then builds) on 9090, data in
// .data/prometheus, scraping every service and evaluating deploy/prometheus/alerts.yaml.
import { chmod, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { allTopics } from '@notes/contracts/names';
import {
  ensureDatabases,
  ensureSigningKeys,
  type LocalKafka,
  type LocalPostgres,
  type LocalPrometheus,
  localPrometheusBinary,
  type Platform,
  platformScrapeTargets,
  startLocalKafka,
  startLocalPostgres,
  startLocalPrometheus,
  startPlatform,
} from '@notes/local-infra';
import { describeTracing, readTracingSettings } from '@notes/telemetry/sdk';

const startedAt = performance.now();
const root = resolve(import.meta.dirname, '..');
const env = process.env;
const dataDir = resolve(root, env.DEV_DATA_DIR ?? '.data');
const port = (name: string, fallback: number) => Number(env[name] ?? fallback);
const databases = { auth: 'notes_auth', notes: 'notes_notes', saga: 'notes_saga' };
const shellEnv = Object.fromEntries(
  Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
);

let postgres: LocalPostgres | undefined;
let kafka: LocalKafka | undefined;
let platform: Platform | undefined;
let prometheus: LocalPrometheus | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\nstopping…');
    await prometheus?.stop();
    await platform?.stop();
    await Promise.all([postgres?.stop(), kafka?.stop()]);
  }
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

async function databaseUrls(): Promise<Record<keyof typeof databases, string>> {
  if (env.AUTH_DB_DSN && env.NOTES_DB_DSN && env.SAGA_DB_DSN) {
    return { auth: env.AUTH_DB_DSN, notes: env.NOTES_DB_DSN, saga: env.SAGA_DB_DSN };
  }
  const onServer = (adminUrl: string, name: string) => Object.assign(new URL(adminUrl), { pathname: `/${name}` }).href;
  if (env.DATABASE_URL) {
    await ensureDatabases(env.DATABASE_URL, Object.values(databases));
    return {
      auth: onServer(env.DATABASE_URL, databases.auth),
      notes: onServer(env.DATABASE_URL, databases.notes),
      saga: onServer(env.DATABASE_URL, databases.saga),
    };
  }
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o755); // as root, PostgreSQL runs as the postgres user, who must reach its folder
  const pgPort = port('DEV_POSTGRES_PORT', 54320);
  postgres = await startLocalPostgres({
    dataDir: join(dataDir, 'postgres'),
    port: pgPort,
    databases: Object.values(databases),
  });
  console.log(
    `PostgreSQL      postgres://postgres:postgres@127.0.0.1:${pgPort} (data in ${join(dataDir, 'postgres')})`,
  );
  return {
    auth: postgres.url(databases.auth),
    notes: postgres.url(databases.notes),
    saga: postgres.url(databases.saga),
  };
}

async function kafkaBrokers(): Promise<string> {
  if (env.KAFKA_BROKERS) return env.KAFKA_BROKERS;
  // KAFKA_NODES=3: a cluster of three, topics with three replicas and min.insync.replicas=2; its
  // further nodes listen on the two ports after the previous node's (9094 and 9095, 9096 and 9097).
  const nodes = port('KAFKA_NODES', 1);
  const clientPort = port('DEV_KAFKA_PORT', 9092);
  const controllerPort = port('DEV_KAFKA_CONTROLLER_PORT', 9093);
  const kafkaDir = join(dataDir, nodes === 1 ? 'kafka' : `kafka-${nodes}-nodes`);
  kafka = await startLocalKafka({
    dataDir: kafkaDir,
    port: clientPort,
    controllerPort,
    moreNodes: Array.from({ length: nodes - 1 }, (_, index) => ({
      port: Math.max(clientPort, controllerPort) + 2 * index + 1,
      controllerPort: Math.max(clientPort, controllerPort) + 2 * index + 2,
    })),
    topics: allTopics.map((name) => ({ name, partitions: 3 })),
  });
  const shape = nodes === 1 ? 'KRaft' : `KRaft, ${nodes} nodes`;
  console.log(`Kafka           ${kafka.brokers} (${shape}, data in ${kafkaDir})`);
  return kafka.brokers;
}

async function startPrometheus(running: Platform): Promise<string> {
  if (env.PROMETHEUS !== '1' && env.PROMETHEUS !== 'true') return 'off (PROMETHEUS=1 make dev runs it)';
  const binary = localPrometheusBinary(root);
  if (!binary) throw new Error('PROMETHEUS=1: no .tools/bin/prometheus (scripts/ci-tools/prometheus.sh builds it)');
  prometheus = await startLocalPrometheus({
    binary,
    dataDir: join(dataDir, 'prometheus'),
    port: port('DEV_PROMETHEUS_PORT', 9090),
    targets: platformScrapeTargets(running),
    ruleFiles: [join(root, 'deploy', 'prometheus', 'alerts.yaml')],
  });
  return `${prometheus.url} (targets: ${prometheus.url}/targets, alerts: ${prometheus.url}/alerts)`;
}

try {
  const [dsn, brokers] = await Promise.all([databaseUrls(), kafkaBrokers()]);
  const keys =
    env.JWT_PRIVATE_KEY && env.JWT_PUBLIC_KEY
      ? { privateKeyFile: env.JWT_PRIVATE_KEY, publicKeyFile: env.JWT_PUBLIC_KEY }
      : await ensureSigningKeys(join(dataDir, 'keys'));
  // BFF_REPLICAS=2 runs a second BFF on 8090 (a third on 8091…): change streams reach clients of every replica.
  const bffReplicas = port('BFF_REPLICAS', 1);
  const ports = {
    bff: port('BFF_HTTP_PORT', 8080),
    moreBffs: Array.from(
      { length: Math.max(0, bffReplicas - 1) },
      (_, index) => port('BFF_MORE_PORTS_FROM', 8090) + index,
    ),
    auth: port('AUTH_GRPC_PORT', 50051),
    notes: port('NOTES_GRPC_PORT', 50052),
    saga: port('SAGA_GRPC_PORT', 50053),
    authHttp: port('AUTH_HTTP_PORT', 8081),
    notesHttp: port('NOTES_HTTP_PORT', 8082),
    sagaHttp: port('SAGA_HTTP_PORT', 8083),
  };
  const width = 6;
  platform = await startPlatform({
    root,
    dsn,
    kafkaBrokers: brokers,
    ports,
    keys,
    // Mutual TLS between the services, with a local CA kept in .data/tls; GRPC_PLAINTEXT=true turns it off.
    grpcTls: env.GRPC_PLAINTEXT !== 'true',
    tlsDir: join(dataDir, 'tls'),
    logLevel: env.LOG_LEVEL ?? 'info',
    overrides: shellEnv,
    onLine: (service, line) => console.log(`${service.padEnd(width)}| ${line}`),
    onUnexpectedExit: (service, code, signal) => {
      if (stopping) return;
      console.error(`${service} exited unexpectedly (code ${code}, signal ${signal}); stopping the platform`);
      void shutdown(1);
    },
  });
  const prometheusLine = await startPrometheus(platform);
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(`
Notes platform ready in ${seconds} s
  REST API (bff-rest)   ${platform.bffUrls.join(', ')}        try: curl ${platform.bffUrl}/readyz
  auth-service          127.0.0.1:${ports.auth} (gRPC), ${platform.operationsUrl('auth')}/metrics
  notes-service         127.0.0.1:${ports.notes} (gRPC), ${platform.operationsUrl('notes')}/metrics
  saga-orchestrator     127.0.0.1:${ports.saga} (gRPC), ${platform.operationsUrl('saga')}/metrics
  Kafka                 ${brokers}
  Prometheus            ${prometheusLine}
  Traces                ${describeTracing(readTracingSettings(shellEnv, 'every service'))}
  gRPC mutual TLS       ${platform.grpcClientTls === undefined ? 'off (GRPC_PLAINTEXT=true)' : `on: CA and certificates in ${join(dataDir, 'tls')} (operator.crt/.key for tools)`}
Ctrl-C stops everything.
`);
} catch (error) {
  console.error(`make dev failed: ${(error as Error).message}`);
  await shutdown(1);
}
