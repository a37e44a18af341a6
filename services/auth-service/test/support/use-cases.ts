import type { Clock } from '../../src/app/ports.ts';
import { createAuthUseCases } from '../../src/compose.ts';
import type { AuthUseCases } from '../../src/grpc/auth-service.ts';
import { testConfig } from './config.ts';
import { createMigratedDatabase, type MigratedDatabase } from './database.ts';

export interface UseCasesOnDatabase {
  database: MigratedDatabase;
  useCases: AuthUseCases;
  /** How often the use cases woke the outbox relay (after a commit); a test may reset it. */
  outbox: { afterCommits: number };
}

/** auth-service's use cases as compose.ts wires them, over a fresh migrated database, with this clock. */
export async function useCasesOnDatabase(prefix: string, clock: Clock): Promise<UseCasesOnDatabase> {
  const database = await createMigratedDatabase(prefix);
  const outbox = { afterCommits: 0 };
  const useCases = createAuthUseCases(testConfig(database.url).config, {
    pool: database.pool,
    clock,
    outbox: { afterCommit: () => void outbox.afterCommits++ },
  });
  return { database, useCases, outbox };
}
