import { testKafkaBrokers } from '@notes/testkit';
import { type AuthConfig, loadAuthConfig } from '../../src/config.ts';
import { generateRsaKeyPair } from './keys.ts';

/**
 * The service's real config.yaml with what a test needs: its database, the test Kafka broker, a
 * fresh signing key, a free port and quiet logs. The public half of the key is returned for
 * verifying tokens. overrides (dotted paths) win over all of that.
 */
export function testConfig(
  databaseUrl: string,
  overrides: Record<string, unknown> = {},
): { config: AuthConfig; publicKeyPem: string } {
  const { privateKeyPem, publicKeyPem } = generateRsaKeyPair();
  const config = loadAuthConfig({
    env: {},
    overrides: {
      'database.dsn': databaseUrl,
      'kafka.brokers': testKafkaBrokers(),
      'jwt.privateKey': privateKeyPem,
      'grpc.port': 0,
      'log.level': 'warn',
      ...overrides,
    },
  });
  return { config, publicKeyPem };
}
