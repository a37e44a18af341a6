import { join } from 'node:path';
import { processedEventsMigrations } from '@notes/kafka';
import { outboxMigrations } from '@notes/outbox';
import { sagaMigrations } from '@notes/saga';
import { migrationSets } from '@notes/service-main';

/**
 * Applies (up) every pending migration of the orchestrator's database, or reverts (down) the latest
 * one of each set. Four sets, each recorded in its own table: the saga engine's, the outbox's, the
 * processed events', then the service's own (rules on the engine's sagas table, so after it); down
 * goes the other way round.
 */
export const migrateSagaDatabase = migrationSets([
  sagaMigrations,
  outboxMigrations,
  processedEventsMigrations,
  { directory: join(import.meta.dirname, '..', '..', 'migrations') },
]);
