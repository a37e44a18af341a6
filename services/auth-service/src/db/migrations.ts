import { join } from 'node:path';
import { processedEventsMigrations } from '@notes/kafka';
import { outboxMigrations } from '@notes/outbox';
import { migrationSets } from '@notes/service-main';

/**
 * Applies (up) every pending migration of auth-service's database, or reverts (down) the newest
 * one of each set. Three sets, each recorded in its own table: the service's own
 * (schema_migrations), the outbox's (outbox_migrations), then the saga consumer's processed_events
 * (processed_events_migrations); down goes the other way round.
 */
export const applyAuthMigrations = migrationSets([
  { directory: join(import.meta.dirname, '..', '..', 'migrations') },
  outboxMigrations,
  processedEventsMigrations,
]);
