import { createPool, type Pool, type Transaction } from '@notes/postgres';
import { createSagaReplies } from '@notes/saga';
import type { TestFixture } from '@notes/testkit';
import type { Clock, TransactionScope } from '../../src/app/ports.ts';
import { createIdempotencyKeys } from '../../src/db/idempotency-keys.ts';
import { migrateNotesDatabase } from '../../src/db/migrations.ts';
import { createNotesRepository } from '../../src/db/notes-repository.ts';
import { createNoteEvents } from '../../src/outbox/note-events.ts';

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

/** The real adapters bound to one transaction, as compose.ts binds them. */
export function transactionScope(tx: Transaction, clock: Clock): TransactionScope {
  return {
    notes: createNotesRepository(tx),
    events: createNoteEvents(tx),
    replies: createSagaReplies(tx, { clock }),
    idempotencyKeys: createIdempotencyKeys(tx),
  };
}
