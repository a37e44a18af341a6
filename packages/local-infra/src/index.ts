export {
  type CertificateAuthority,
  type CertifiedKey,
  createCertificateAuthority,
  ensureTlsFiles,
  spiffeId,
  type TlsFiles,
} from './certificates.ts';
export {
  freeKafkaPorts,
  type KafkaNodePorts,
  type KafkaPartitionPlacement,
  type KafkaTopic,
  type LocalKafka,
  type LocalKafkaNode,
  type LocalKafkaOptions,
  startLocalKafka,
} from './kafka.ts';
export { ensureSigningKeys, type KeyFiles } from './keys.ts';
export {
  type ClientTls,
  freePlatformPorts,
  type GrpcIdentity,
  type GrpcReplicaName,
  type GrpcServiceName,
  type Platform,
  type PlatformOptions,
  type PlatformPorts,
  type ServiceEntry,
  type ServiceName,
  serviceEntryFile,
  startPlatform,
} from './platform.ts';
export { freePort, freePorts } from './ports.ts';
export { ensureDatabases, type LocalPostgres, type LocalPostgresOptions, startLocalPostgres } from './postgres.ts';
export { type ServiceProcess, startServiceProcess } from './processes.ts';
export {
  type LocalPrometheus,
  type LocalPrometheusOptions,
  localPrometheusBinary,
  platformScrapeTargets,
  startLocalPrometheus,
} from './prometheus.ts';
export { grpcServing, httpOk, waitUntil } from './readiness.ts';
