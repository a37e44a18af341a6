import { join } from 'node:path';
import { processedEventsMigrations } from '@notes/kafka';
import { outboxMigrations } from '@notes/outbox';
import { type MigrationResult, migrate, type Pool } from '@notes/postgres';
import { sagaMigrations } from '@notes/saga';

const migrationsDirectory = join(import.meta.dirname, '..', '..', 'migrations');

/**
 * Applies (up) every pending migration of the orchestrator's database, or reverts (down) the latest
 * one of each set. Four sets, each recorded in its own table: the saga engine's, the outbox's, the
 * processed events', then the service's own (rules on the engine's sagas table, so after it); down
 * goes the other way round.
 */
export async function migrateSagaDatabase(pool: Pool, direction: 'up' | 'down'): Promise<MigrationResult> {
  const sets = [sagaMigrations, outboxMigrations, processedEventsMigrations, { directory: migrationsDirectory }];
  const result: MigrationResult = { applied: [], reverted: [] };
  for (const set of direction === 'up' ? sets : sets.toReversed()) {
    const { applied, reverted } = await migrate({ pool, direction, ...set });
    result.applied.push(...applied);
    result.reverted.push(...reverted);
  }
  return result;
}
