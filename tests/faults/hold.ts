// Holding a service's statement in PostgreSQL until a scenario lets it go: a trigger that waits
// while the table chaos_hold has a row. It stops a process between two of its steps at the same
// point every time (the relay after publishing, before marking; a consumer's transaction at its
// COMMIT), so that the fault a scenario then injects lands there, not where luck puts it.

import { createPool } from '@notes/postgres';

export interface HeldStatement {
  /** The table the trigger is on. */
  table: string;
  /** When it fires, e.g. "BEFORE UPDATE OF sent_at". */
  when: string;
  each: 'ROW' | 'STATEMENT';
  /** Deferred to the transaction's COMMIT (a constraint trigger; AFTER … ROW only). */
  atCommit?: boolean;
}

export interface StatementHold {
  /** The backends waiting in the hold, once at least one is (rejects after timeoutMs). */
  reached(timeoutMs: number): Promise<number[]>;
  /** Every held statement goes on, and nothing is held any more; resolves once each has finished. */
  release(): Promise<void>;
  /** Resolves once these backends have ended (their client gone: its transaction rolled back). */
  ended(pids: readonly number[], timeoutMs: number): Promise<void>;
  /** Lets go of whatever is held, drops the trigger, its function and chaos_hold; closes the connection. Idempotent. */
  remove(): Promise<void>;
}

/** Installs the hold in the database of dsn: from now on, each such statement waits. */
export async function holdStatements(dsn: string, statement: HeldStatement): Promise<StatementHold> {
  const pool = createPool({ dsn, maxConnections: 1, applicationName: 'chaos' });
  const trigger = statement.atCommit
    ? `CREATE CONSTRAINT TRIGGER chaos_hold ${statement.when} ON ${statement.table} DEFERRABLE INITIALLY DEFERRED`
    : `CREATE TRIGGER chaos_hold ${statement.when} ON ${statement.table}`;
  // Each statement of the loop takes a new snapshot (READ COMMITTED): it sees the row deleted.
  await pool.query(`
    CREATE TABLE chaos_hold (held boolean);
    INSERT INTO chaos_hold VALUES (true);
    CREATE FUNCTION chaos_hold() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      WHILE EXISTS (SELECT 1 FROM chaos_hold) LOOP PERFORM pg_sleep(0.02); END LOOP;
      RETURN NULL;
    END $$;
    ${trigger} FOR EACH ${statement.each} EXECUTE FUNCTION chaos_hold();`);
  const waiting = async () => {
    const { rows } = await pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event = 'PgSleep' AND pid <> pg_backend_pid()`,
    );
    return rows.map((row) => row.pid);
  };
  let removed = false;
  return {
    async reached(timeoutMs) {
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
        const pids = await waiting();
        if (pids.length > 0) return pids;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`no ${statement.when} on ${statement.table} reached the hold within ${timeoutMs} ms`);
    },
    async release() {
      const held = await waiting();
      await pool.query('DELETE FROM chaos_hold');
      // Done once each held backend has finished its statement (a COMMIT: committed, visible).
      for (;;) {
        const { rows } = await pool.query(
          "SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND state = 'active'",
          [held],
        );
        if (rows.length === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async ended(pids, timeoutMs) {
      for (const deadline = Date.now() + timeoutMs; ; await new Promise((resolve) => setTimeout(resolve, 50))) {
        const { rows } = await pool.query('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids]);
        if (rows.length === 0) return;
        if (Date.now() > deadline) throw new Error(`backends ${pids.join(', ')} still there after ${timeoutMs} ms`);
      }
    },
    async remove() {
      if (removed) return;
      removed = true;
      try {
        // Released first: the trigger cannot be dropped while a held statement's transaction lasts.
        await pool.query('DELETE FROM chaos_hold');
        await pool.query(
          `DROP TRIGGER chaos_hold ON ${statement.table}; DROP FUNCTION chaos_hold(); DROP TABLE chaos_hold;`,
        );
      } finally {
        await pool.end();
      }
    },
  };
}
