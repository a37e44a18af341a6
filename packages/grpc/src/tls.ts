import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError, pemFromSetting } from '@notes/config';
import type { Logger } from '@notes/logger';
import { type Static, Type } from 'typebox';

/**
 * A service's identity on the internal gRPC hops, as PEM texts. The same certificate serves as
 * server certificate (its SANs name the service) and as client certificate towards its upstreams.
 */
export interface GrpcTls {
  /** The platform CA: the only issuer whose certificates a peer accepts. */
  ca: string;
  cert: string;
  key: string;
}

/**
 * The `grpcTls` section every service's config has. Each of ca, cert and key is the path of a PEM
 * file (a mounted Secret) or the PEM text itself; plaintext is the explicit opt-out.
 */
export const grpcTlsSettingsSchema = Type.Object(
  {
    /** Cleartext HTTP/2 (h2c) instead of mutual TLS: only when this says so. */
    plaintext: Type.Boolean({ default: false }),
    ca: Type.Optional(Type.String({ minLength: 1 })),
    cert: Type.Optional(Type.String({ minLength: 1 })),
    key: Type.Optional(Type.String({ minLength: 1 })),
  },
  { default: {} },
);

export type GrpcTlsSettings = Static<typeof grpcTlsSettingsSchema>;

/** The environment variables of the `grpcTls` section, the same in every service. */
export const grpcTlsEnvBindings = {
  GRPC_PLAINTEXT: 'grpcTls.plaintext',
  GRPC_TLS_CA: 'grpcTls.ca',
  GRPC_TLS_CERT: 'grpcTls.cert',
  GRPC_TLS_KEY: 'grpcTls.key',
} as const;

/**
 * The PEM texts the settings name (read again on every call, so calling it later picks up renewed
 * files), or undefined when plaintext is asked for. Without plaintext, all three are required: a
 * service never falls back to cleartext on its own.
 */
export function readGrpcTls(settings: GrpcTlsSettings): GrpcTls | undefined {
  if (settings.plaintext) return undefined;
  const read = (name: 'ca' | 'cert' | 'key', env: string): string => {
    const where = `grpcTls.${name} (env ${env})`;
    const value = settings[name];
    if (value === undefined) {
      throw new ConfigError(
        `invalid setting ${where}: is required for mutual TLS between services (set GRPC_PLAINTEXT=true to run without TLS)`,
      );
    }
    const pem = pemFromSetting(value, where);
    if (!pem.includes('-----BEGIN')) throw new ConfigError(`invalid setting ${where}: not in PEM format`);
    return pem;
  };
  const tls = { ca: read('ca', 'GRPC_TLS_CA'), cert: read('cert', 'GRPC_TLS_CERT'), key: read('key', 'GRPC_TLS_KEY') };
  try {
    // What the server and the clients will do with them: a certificate without its key fails here.
    createSecureContext(secureContextOptions(tls));
  } catch (error) {
    throw new ConfigError(
      `invalid setting grpcTls (env GRPC_TLS_CA, GRPC_TLS_CERT, GRPC_TLS_KEY): ${(error as Error).message}`,
    );
  }
  return tls;
}

/** The secure context of a server or a client: this identity, trusting only the platform CA, TLS 1.2 at least. */
export function secureContextOptions(tls: GrpcTls): SecureContextOptions {
  return { ca: tls.ca, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' };
}

/** A loaded config whose grpcTls section holds the PEM texts it names (undefined: plaintext). */
export type WithGrpcTls<C extends { grpcTls: GrpcTlsSettings }> = Omit<C, 'grpcTls'> & { grpcTls: GrpcTls | undefined };

/** The config with its grpcTls section read (see readGrpcTls): a config loader's last step. */
export function withGrpcTls<C extends { grpcTls: GrpcTlsSettings }>(config: C): WithGrpcTls<C> {
  return { ...config, grpcTls: readGrpcTls(config.grpcTls) };
}

/**
 * Renews a running service's certificates (its answer to SIGHUP, e.g. after cert-manager rotated
 * the mounted Secret): reads the settings again and hands the new identity to apply. A failure
 * (a missing or bad file, plaintext) is logged and the certificates in use stay.
 */
export function reloadGrpcTls(read: () => GrpcTls | undefined, apply: (tls: GrpcTls) => void, logger: Logger): void {
  try {
    const tls = read();
    if (tls === undefined) throw new Error('the settings say plaintext (GRPC_PLAINTEXT): no certificates to reload');
    apply(tls);
    logger.info('gRPC certificates reloaded');
  } catch (error) {
    logger.error({ err: error }, 'reloading the gRPC certificates failed; the ones in use stay');
  }
}
