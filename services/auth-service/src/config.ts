import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError, loadConfig, pemFromSetting } from '@notes/config';
import { type GrpcTls, readGrpcTls } from '@notes/grpc';
import { type KafkaConnection, kafkaConnection } from '@notes/kafka';
import { grpcServiceEnvBindings, grpcServiceSettings } from '@notes/service-main';
import { type Static, Type } from 'typebox';

const configFile = join(import.meta.dirname, '..', 'config.yaml');

export const authConfigSchema = Type.Object({
  ...grpcServiceSettings,
  saga: Type.Object(
    {
      /**
       * Carry out the saga commands addressed to auth-service (saga.commands, group kafka.consumerGroup);
       * false keeps this process out of the group (tests, tools).
       */
      consumer: Type.Boolean({ default: true }),
    },
    { default: {} },
  ),
  jwt: Type.Object({
    issuer: Type.String({ minLength: 1 }),
    audience: Type.String({ minLength: 1 }),
    accessTtlSeconds: Type.Integer({ minimum: 1 }),
    refreshTtlSeconds: Type.Integer({ minimum: 1 }),
    /** PEM text once loaded (the setting itself may name a PEM file). */
    privateKey: Type.String({ minLength: 1 }),
    /** Verification-only keys GetJwks publishes besides the signing key's: PEM texts or files, comma or newline separated. */
    previousPublicKeys: Type.String({ default: '' }),
  }),
  signIn: Type.Object(
    {
      maxFailures: Type.Integer({ minimum: 1, default: 10 }),
      failureWindowSeconds: Type.Integer({ minimum: 1, default: 900 }),
    },
    { default: {} },
  ),
  // The minimums are OWASP's recommendation for Argon2id: configuration can only make it stronger.
  argon2: Type.Object({
    memoryKiB: Type.Integer({ minimum: 19_456 }),
    iterations: Type.Integer({ minimum: 2 }),
    parallelism: Type.Integer({ minimum: 1, maximum: 255 }),
  }),
});

type AuthSettings = Static<typeof authConfigSchema>;

/** The settings once loaded: the keys as PEM texts, grpcTls undefined when plaintext. */
export type AuthConfig = Omit<AuthSettings, 'jwt' | 'grpcTls' | 'kafka'> & {
  jwt: Omit<AuthSettings['jwt'], 'previousPublicKeys'> & { previousPublicKeys: string[] };
  grpcTls: GrpcTls | undefined;
  kafka: AuthSettings['kafka'] & { connection: KafkaConnection };
};

/** What `migrate up|down` needs: no signing key, so migrations run with only AUTH_DB_DSN set. */
export const migrationConfigSchema = Type.Object({
  database: grpcServiceSettings.database,
  log: grpcServiceSettings.log,
});

export type MigrationConfig = Static<typeof migrationConfigSchema>;

export const envBindings: Record<string, string> = {
  ...grpcServiceEnvBindings('AUTH'),
  SAGA_CONSUMER: 'saga.consumer',
  JWT_PRIVATE_KEY: 'jwt.privateKey',
  JWT_PREVIOUS_PUBLIC_KEYS: 'jwt.previousPublicKeys',
  JWT_ISSUER: 'jwt.issuer',
  JWT_AUDIENCE: 'jwt.audience',
  JWT_ACCESS_TTL_SECONDS: 'jwt.accessTtlSeconds',
  JWT_REFRESH_TTL_SECONDS: 'jwt.refreshTtlSeconds',
  SIGN_IN_MAX_FAILURES: 'signIn.maxFailures',
  SIGN_IN_FAILURE_WINDOW_SECONDS: 'signIn.failureWindowSeconds',
};

export interface ConfigSources {
  /** The environment; only main.ts passes process.env. */
  env: Record<string, string | undefined>;
  /** Dotted paths → values that win over the file and the environment (tests). */
  overrides?: Record<string, unknown>;
}

/**
 * config.yaml + environment + overrides, validated, with the keys of jwt turned into PEM texts.
 * Throws a ConfigError naming the bad setting.
 */
export function loadAuthConfig(sources: ConfigSources): AuthConfig {
  const config = loadConfig({ schema: authConfigSchema, file: configFile, envBindings, ...sources });
  return {
    ...config,
    grpcTls: readGrpcTls(config.grpcTls),
    kafka: { ...config.kafka, connection: kafkaConnection(config.kafka) },
    jwt: {
      ...config.jwt,
      privateKey: readRsaPrivateKeyPem(config.jwt.privateKey),
      previousPublicKeys: readRsaPublicKeyPems(config.jwt.previousPublicKeys),
    },
  };
}

export function loadMigrationConfig(sources: ConfigSources): MigrationConfig {
  return loadConfig({ schema: migrationConfigSchema, file: configFile, envBindings, ...sources });
}

/** The key of the setting (PEM text or a PEM file: see pemFromSetting), checked to be an RSA private key. */
function readRsaPrivateKeyPem(setting: string): string {
  const where = 'jwt.privateKey (env JWT_PRIVATE_KEY)';
  return checkedRsaKey(pemFromSetting(setting, where), createPrivateKey, 'private key', where);
}

const publicKeyPem = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

/**
 * The keys of the setting: PEM texts (SPKI) and paths of files holding one or more, separated by
 * commas or newlines (PEM texts themselves span lines), each checked to be an RSA public key.
 */
function readRsaPublicKeyPems(setting: string): string[] {
  const where = 'jwt.previousPublicKeys (env JWT_PREVIOUS_PUBLIC_KEYS)';
  const files = setting
    .replace(publicKeyPem, '')
    .split(/[,\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const fromFiles = files.flatMap((file) => {
    const pems = pemFromSetting(file, where).match(publicKeyPem);
    if (pems === null) throw new ConfigError(`invalid setting ${where}: no public key (PEM, SPKI) in ${file}`);
    return pems;
  });
  return [...(setting.match(publicKeyPem) ?? []), ...fromFiles].map((pem) =>
    checkedRsaKey(pem, createPublicKey, 'public key', where),
  );
}

/** The PEM, checked to be an RSA key of the kind `parse` reads. */
function checkedRsaKey(pem: string, parse: (pem: string) => KeyObject, kind: string, where: string): string {
  let keyType: string | undefined;
  try {
    keyType = parse(pem).asymmetricKeyType;
  } catch {
    throw new ConfigError(`invalid setting ${where}: not a ${kind} in PEM format`);
  }
  if (keyType !== 'rsa') {
    throw new ConfigError(`invalid setting ${where}: an RSA key is needed for RS256, got ${keyType}`);
  }
  return pem;
}
