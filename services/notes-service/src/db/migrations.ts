import { join } from 'node:path';
import { type MigrationResult, migrate, type Pool } from '@notes/postgres';

const migrationsDirectory = join(import.meta.dirname, '..', '..', 'migrations');

/** Applies (up) every pending migration of the notes database, or reverts (down) the latest one. */
export function migrateNotesDatabase(pool: Pool, direction: 'up' | 'down'): Promise<MigrationResult> {
  return migrate({ pool, directory: migrationsDirectory, direction });
}
