import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { ConfigError, pemFromSetting } from '@notes/config';
import type { SASLOptions } from '@platformatic/kafka';
import { type Static, Type } from 'typebox';

/**
 * How a client reaches the brokers beyond their addresses: TLS and SASL, as @platformatic/kafka's
 * client options of the same names (spread into every Producer, Consumer and Admin).
 */
export interface KafkaConnection {
  tls?: TlsConnectionOptions;
  sasl?: SASLOptions;
}

/** SASL mechanisms the services can authenticate with (user name and password). */
export const kafkaSaslMechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

/**
 * The security settings of a service's `kafka` section (spread into its TypeBox object beside
 * `brokers`). The CA, certificate and key are PEM file paths or PEM texts.
 */
export const kafkaSecuritySettings = {
  /** TLS to the brokers, trusting the system CAs unless tlsCa is set (set any of tlsCa/tlsCert/tlsKey and it is on too). */
  tls: Type.Boolean({ default: false }),
  tlsCa: Type.Optional(Type.String({ minLength: 1 })),
  /** A client certificate (mutual TLS), with its key. */
  tlsCert: Type.Optional(Type.String({ minLength: 1 })),
  tlsKey: Type.Optional(Type.String({ minLength: 1 })),
  saslMechanism: Type.Optional(Type.Enum([...kafkaSaslMechanisms])),
  saslUsername: Type.Optional(Type.String({ minLength: 1 })),
  saslPassword: Type.Optional(Type.String({ minLength: 1 })),
};

const kafkaSecuritySchema = Type.Object(kafkaSecuritySettings);

export type KafkaSecuritySettings = Static<typeof kafkaSecuritySchema>;

/** The environment variables of those settings, the same in every service and tool. */
export const kafkaSecurityEnvBindings = {
  KAFKA_TLS: 'kafka.tls',
  KAFKA_TLS_CA: 'kafka.tlsCa',
  KAFKA_TLS_CERT: 'kafka.tlsCert',
  KAFKA_TLS_KEY: 'kafka.tlsKey',
  KAFKA_SASL_MECHANISM: 'kafka.saslMechanism',
  KAFKA_SASL_USERNAME: 'kafka.saslUsername',
  KAFKA_SASL_PASSWORD: 'kafka.saslPassword',
} as const;

const envOf = (setting: keyof KafkaSecuritySettings): string =>
  Object.entries(kafkaSecurityEnvBindings).find(([, path]) => path === `kafka.${setting}`)?.[0] ?? setting;

const where = (setting: keyof KafkaSecuritySettings): string => `kafka.${setting} (env ${envOf(setting)})`;

/** The client options the settings ask for; throws a ConfigError naming an incomplete or unreadable setting. */
export function kafkaConnection(settings: KafkaSecuritySettings): KafkaConnection {
  const connection: KafkaConnection = {};
  if ((settings.tlsCert === undefined) !== (settings.tlsKey === undefined)) {
    const missing = settings.tlsCert === undefined ? 'tlsCert' : 'tlsKey';
    throw new ConfigError(`invalid setting ${where(missing)}: a client certificate needs both tlsCert and tlsKey`);
  }
  if (settings.tls || settings.tlsCa !== undefined || settings.tlsCert !== undefined) {
    const pem = (setting: 'tlsCa' | 'tlsCert' | 'tlsKey') => {
      const value = settings[setting];
      return value === undefined ? undefined : pemFromSetting(value, where(setting));
    };
    const [ca, cert, key] = [pem('tlsCa'), pem('tlsCert'), pem('tlsKey')];
    connection.tls = {
      minVersion: 'TLSv1.2',
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined || key === undefined ? {} : { cert, key }),
    };
  }
  const { saslMechanism, saslUsername, saslPassword } = settings;
  if (saslMechanism === undefined) {
    if (saslUsername !== undefined || saslPassword !== undefined) {
      throw new ConfigError(`invalid setting ${where('saslMechanism')}: is required with a SASL user name or password`);
    }
  } else {
    if (saslUsername === undefined) throw new ConfigError(`invalid setting ${where('saslUsername')}: is required`);
    if (saslPassword === undefined) throw new ConfigError(`invalid setting ${where('saslPassword')}: is required`);
    connection.sasl = { mechanism: saslMechanism, username: saslUsername, password: saslPassword };
  }
  return connection;
}

/** A loaded config whose kafka section also holds the client options its security settings ask for. */
export type WithKafkaConnection<C extends { kafka: KafkaSecuritySettings }> = Omit<C, 'kafka'> & {
  kafka: C['kafka'] & { connection: KafkaConnection };
};

/** The config with kafka.connection read from its security settings: a config loader's last step. */
export function withKafkaConnection<C extends { kafka: KafkaSecuritySettings }>(config: C): WithKafkaConnection<C> {
  return { ...config, kafka: { ...config.kafka, connection: kafkaConnection(config.kafka) } };
}

/**
 * The connection KAFKA_TLS, KAFKA_TLS_CA, KAFKA_TLS_CERT, KAFKA_TLS_KEY, KAFKA_SASL_MECHANISM,
 * KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD ask for: the stand-alone tools (the outbox relay,
 * the dead-letter replay), which have no config file, read the services' variables so.
 */
export function kafkaConnectionFromEnv(env: Record<string, string | undefined>): KafkaConnection {
  const value = (name: keyof typeof kafkaSecurityEnvBindings) => env[name] || undefined;
  const mechanism = value('KAFKA_SASL_MECHANISM');
  if (mechanism !== undefined && !(kafkaSaslMechanisms as readonly string[]).includes(mechanism)) {
    throw new ConfigError(`invalid setting ${where('saslMechanism')}: one of ${kafkaSaslMechanisms.join(', ')}`);
  }
  return kafkaConnection({
    tls: value('KAFKA_TLS') === 'true',
    tlsCa: value('KAFKA_TLS_CA'),
    tlsCert: value('KAFKA_TLS_CERT'),
    tlsKey: value('KAFKA_TLS_KEY'),
    saslMechanism: mechanism as KafkaSecuritySettings['saslMechanism'],
    saslUsername: value('KAFKA_SASL_USERNAME'),
    saslPassword: value('KAFKA_SASL_PASSWORD'),
  });
}
