import { testKafkaBrokers } from '@notes/testkit';
import { type AuthConfig, loadAuthConfig } from '../../src/config.ts';
import { generateRsaKeyPair } from './keys.ts';

/**
 * The service's real config.yaml with what a test needs: its database, the test Kafka broker, a
 * fresh signing key, a free port and quiet logs. The public half of the key is returned for
 * verifying tokens. overrides (dotted paths) win over all of that.
 *
 * The saga-command consumer is off: its group (auth-service) is one for every instance, so an
 * instance of another test file running at the same time would take some of the partitions and
 * carry out commands against its own database. Only the test of the consumer turns it on.
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
      // In-process tests talk h2c; mutual TLS is tested in packages/grpc and tests/e2e.
      'grpcTls.plaintext': true,
      'http.port': 0,
      'log.level': 'warn',
      'saga.consumer': false,
      ...overrides,
    },
  });
  return { config, publicKeyPem };
}
