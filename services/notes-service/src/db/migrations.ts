import { join } from 'node:path';
import { processedEventsMigrations } from '@notes/kafka';
import { outboxMigrations } from '@notes/outbox';
import { type MigrationResult, migrate, type Pool } from '@notes/postgres';

const migrationsDirectory = join(import.meta.dirname, '..', '..', 'migrations');

/**
 * Applies (up) every pending migration of the notes database, or reverts (down) the latest one of
 * each set. Three sets, each recorded in its own table: the service's own (notes), the outbox's
 * (outbox_migrations), then the saga consumer's processed_events (processed_events_migrations);
 * down goes the other way round.
 */
export async function migrateNotesDatabase(pool: Pool, direction: 'up' | 'down'): Promise<MigrationResult> {
  const sets = [{ directory: migrationsDirectory }, outboxMigrations, processedEventsMigrations];
  const result: MigrationResult = { applied: [], reverted: [] };
  for (const set of direction === 'up' ? sets : sets.toReversed()) {
    const { applied, reverted } = await migrate({ pool, direction, ...set });
    result.applied.push(...applied);
    result.reverted.push(...reverted);
  }
  return result;
}
