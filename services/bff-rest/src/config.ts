import { createPublicKey } from 'node:crypto';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, pemFromSetting } from '@notes/config';
import { grpcTlsEnvBindings, grpcTlsSettingsSchema, type WithGrpcTls, withGrpcTls } from '@notes/grpc';
import {
  kafkaSecurityEnvBindings,
  kafkaSecuritySettings,
  type WithKafkaConnection,
  withKafkaConnection,
} from '@notes/kafka';
import { type Static, Type } from 'typebox';

const serviceDir = join(import.meta.dirname, '..');
const configFile = join(serviceDir, 'config.yaml');

const upstreamUrl = Type.String({ pattern: '^https?://' });

/** At most `max` in a fixed window of `windowSeconds`. */
const rateLimit = Type.Object({
  max: Type.Integer({ minimum: 1 }),
  windowSeconds: Type.Integer({ minimum: 1 }),
});

export const bffConfigSchema = Type.Object({
  http: Type.Object({
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65_535 }),
    bodyLimitBytes: Type.Integer({ minimum: 1 }),
    /** Fastify's trustProxy: the proxies (addresses, CIDRs) whose X-Forwarded-For is believed; '' for none. */
    trustProxy: Type.String(),
  }),
  upstreams: Type.Object({
    authUrl: upstreamUrl,
    notesUrl: upstreamUrl,
    sagaUrl: upstreamUrl,
    timeoutMs: Type.Integer({ minimum: 1 }),
    connectTimeoutMs: Type.Integer({ minimum: 1 }),
    /** Tries of an idempotent read in all while its upstream answers UNAVAILABLE; 1: no retry. */
    readAttempts: Type.Integer({ minimum: 1, maximum: 10 }),
    retryBackoffMs: Type.Integer({ minimum: 1 }),
  }),
  // Mutual TLS towards the upstreams (this identity is the BFF's client certificate).
  grpcTls: grpcTlsSettingsSchema,
  rateLimits: Type.Object({
    perIp: rateLimit,
    failedSignInsPerIp: rateLimit,
  }),
  jwt: Type.Object({
    /** A pinned verification key besides the JWKS: PEM text (SPKI) once loaded; the setting may name a PEM file. */
    publicKey: Type.Optional(Type.String({ minLength: 1 })),
    issuer: Type.String({ minLength: 1 }),
    audience: Type.String({ minLength: 1 }),
    jwksRefetchIntervalMs: Type.Integer({ minimum: 0 }),
    jwksMaxAgeMs: Type.Integer({ minimum: 1 }),
  }),
  kafka: Type.Object({
    // Bootstrap brokers, "host:port[,host:port…]": the change streams read notes.events there.
    brokers: Type.String({ minLength: 1 }),
    ...kafkaSecuritySettings,
  }),
  changeStreams: Type.Object({
    /** This replica's name, unique among the replicas ('' for the host name): its consumer group is named after it. */
    replicaId: Type.String(),
    /** Streams one user may hold open on one replica; one more is a 429. */
    maxPerUser: Type.Integer({ minimum: 1 }),
    heartbeatSeconds: Type.Integer({ minimum: 1 }),
    /** How long a client may leave its socket full before it is dropped (it resumes from its last id). */
    drainTimeoutMs: Type.Integer({ minimum: 1 }),
    /** Changes read from notes-service at a time. */
    pageSize: Type.Integer({ minimum: 1, maximum: 500 }),
  }),
  web: Type.Object({
    /** The built web client (make build), served at /; relative to services/bff-rest. */
    assetsDir: Type.String({ minLength: 1 }),
  }),
  log: Type.Object({
    level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
});

/** The settings once loaded: grpcTls holds PEM texts, undefined when plaintext. */
export type BffConfig = WithKafkaConnection<WithGrpcTls<Static<typeof bffConfigSchema>>>;

export const envBindings: Record<string, string> = {
  BFF_HTTP_HOST: 'http.host',
  BFF_HTTP_PORT: 'http.port',
  BFF_TRUST_PROXY: 'http.trustProxy',
  AUTH_GRPC_URL: 'upstreams.authUrl',
  NOTES_GRPC_URL: 'upstreams.notesUrl',
  SAGA_GRPC_URL: 'upstreams.sagaUrl',
  UPSTREAM_TIMEOUT_MS: 'upstreams.timeoutMs',
  UPSTREAM_CONNECT_TIMEOUT_MS: 'upstreams.connectTimeoutMs',
  ...grpcTlsEnvBindings,
  RATE_LIMIT_PER_IP_MAX: 'rateLimits.perIp.max',
  RATE_LIMIT_PER_IP_WINDOW_SECONDS: 'rateLimits.perIp.windowSeconds',
  RATE_LIMIT_FAILED_SIGN_INS_PER_IP_MAX: 'rateLimits.failedSignInsPerIp.max',
  RATE_LIMIT_FAILED_SIGN_INS_PER_IP_WINDOW_SECONDS: 'rateLimits.failedSignInsPerIp.windowSeconds',
  JWT_PUBLIC_KEY: 'jwt.publicKey',
  JWT_ISSUER: 'jwt.issuer',
  JWT_AUDIENCE: 'jwt.audience',
  KAFKA_BROKERS: 'kafka.brokers',
  ...kafkaSecurityEnvBindings,
  BFF_REPLICA_ID: 'changeStreams.replicaId',
  CHANGE_STREAMS_MAX_PER_USER: 'changeStreams.maxPerUser',
  CHANGE_STREAMS_HEARTBEAT_SECONDS: 'changeStreams.heartbeatSeconds',
  BFF_WEB_ASSETS_DIR: 'web.assetsDir',
  LOG_LEVEL: 'log.level',
};

export interface ConfigSources {
  /** The environment to read overrides from; only main.ts passes process.env. */
  env: Record<string, string | undefined>;
  /** Dotted path → value, winning over the file and the environment (tests). */
  overrides?: Record<string, unknown>;
}

/**
 * Reads config.yaml with its environment overrides; jwt.publicKey, when set, comes back as PEM
 * text, web.assetsDir as an absolute path.
 */
export function loadBffConfig(sources: ConfigSources): BffConfig {
  const config = withKafkaConnection(
    withGrpcTls(loadConfig({ schema: bffConfigSchema, file: configFile, envBindings, ...sources })),
  );
  const { publicKey } = config.jwt;
  const web = { assetsDir: resolve(serviceDir, config.web.assetsDir) };
  return publicKey === undefined
    ? { ...config, web }
    : { ...config, web, jwt: { ...config.jwt, publicKey: readRsaPublicKeyPem(publicKey) } };
}

/** The key of the setting (PEM text or a PEM file: see pemFromSetting), checked to be an RSA key. */
function readRsaPublicKeyPem(setting: string): string {
  const where = 'jwt.publicKey (env JWT_PUBLIC_KEY)';
  const pem = pemFromSetting(setting, where);
  // jose's importSPKI takes only "BEGIN PUBLIC KEY" (SPKI); createPublicKey would also accept a private key.
  const notSpki = new ConfigError(`invalid setting ${where}: not a public key in PEM (SPKI) format`);
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) throw notSpki;
  let keyType: string | undefined;
  try {
    keyType = createPublicKey(pem).asymmetricKeyType;
  } catch {
    throw notSpki;
  }
  if (keyType !== 'rsa')
    throw new ConfigError(`invalid setting ${where}: an RSA key is needed for RS256, got ${keyType}`);
  return pem;
}
