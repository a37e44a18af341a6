import { testKafkaBrokers } from '@notes/testkit';
import { loadNotesConfig, type NotesConfig } from '../../src/config.ts';

/**
 * The service's real config.yaml with what an in-process test needs: its database, the test Kafka
 * broker, a free port and quiet logs. settings (dotted paths) win over all of that.
 *
 * The saga-command consumer is off: its group (notes-service) is one for every instance, so an
 * instance of another test file running at the same time would take some of the partitions and
 * carry out commands against its own database. Only the test of the consumer turns it on.
 */
export function testNotesConfig(databaseUrl: string, settings: Record<string, unknown> = {}): NotesConfig {
  return loadNotesConfig(
    {},
    {
      'database.dsn': databaseUrl,
      'kafka.brokers': testKafkaBrokers(),
      'grpc.port': 0,
      // In-process tests talk h2c; mutual TLS is tested in packages/grpc and tests/e2e.
      'grpcTls.plaintext': true,
      'http.port': 0,
      'log.level': 'warn',
      'saga.consumer': false,
      ...settings,
    },
  );
}
