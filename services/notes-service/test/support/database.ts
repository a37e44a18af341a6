import { createPool, type Pool } from '@notes/postgres';
import type { TestFixture } from '@notes/testkit';
import { migrateNotesDatabase } from '../../src/db/migrations.ts';

export interface NotesDatabase {
  url: string;
  pool: Pool;
}

/** A fresh database with notes-service's migrations applied and a pool on it, both closed after the tests of fixture. */
export async function migratedNotesDatabase(fixture: TestFixture, prefix: string): Promise<NotesDatabase> {
  const database = await fixture.database(prefix);
  const pool = fixture.closeAfter(
    createPool({ dsn: database.url, maxConnections: 4, applicationName: `${prefix}-test` }),
    (opened) => opened.end(),
  );
  await migrateNotesDatabase(pool, 'up');
  return { url: database.url, pool };
}
