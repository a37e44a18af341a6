import { type AuthConfig, loadAuthConfig } from '../../src/config.ts';
import { generateRsaKeyPair } from './keys.ts';

/**
 * The service's real config.yaml with what a test needs: its database, a fresh signing key, a free
 * port and quiet logs. The public half of the key is returned for verifying tokens.
 */
export function testConfig(databaseUrl: string): { config: AuthConfig; publicKeyPem: string } {
  const { privateKeyPem, publicKeyPem } = generateRsaKeyPair();
  const config = loadAuthConfig({
    env: {},
    overrides: {
      'database.dsn': databaseUrl,
      'jwt.privateKey': privateKeyPem,
      'grpc.port': 0,
      'log.level': 'warn',
    },
  });
  return { config, publicKeyPem };
}
