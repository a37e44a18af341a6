import { type MigrationResult, migrate, type Pool } from '@notes/postgres';

/** One folder of migrations, recorded in its own bookkeeping table (schema_migrations by default). */
export interface MigrationSet {
  readonly directory: string;
  readonly table?: string;
}

/** Applies (up) every pending migration of a service's database, or reverts (down) the newest of each set. */
export type Migrations = (pool: Pool, direction: 'up' | 'down') => Promise<MigrationResult>;

/**
 * A service's migrations as sets applied in the order given (each recorded in its own table, so
 * their versions never collide: the service's own, the outbox's, processed_events'...); down
 * reverts the newest migration of each set, the other way round.
 */
export function migrationSets(sets: readonly MigrationSet[]): Migrations {
  return async (pool, direction) => {
    const result: MigrationResult = { applied: [], reverted: [] };
    for (const set of direction === 'up' ? sets : sets.toReversed()) {
      const { applied, reverted } = await migrate({ pool, direction, ...set });
      result.applied.push(...applied);
      result.reverted.push(...reverted);
    }
    return result;
  };
}
