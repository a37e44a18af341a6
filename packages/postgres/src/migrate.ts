import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from './pool.ts';

export interface MigrateOptions {
  pool: Pool;
  /** Folder of NNNN_name.up.sql / NNNN_name.down.sql files. */
  directory: string;
  direction: 'up' | 'down';
  /** For down: how many migrations to revert (default 1). */
  steps?: number;
  /**
   * The table that records what was applied (default schema_migrations). A package that owns
   * tables in a service's database (the outbox, processed events) keeps its own set of
   * migrations with its own table, so its versions never collide with the service's.
   */
  table?: string;
}

export interface MigrationResult {
  applied: string[];
  reverted: string[];
}

interface MigrationFile {
  version: number;
  name: string;
  up: string;
  down: string | undefined;
}

const fileName = /^(\d+)_([a-z0-9_]+)\.(up|down)\.sql$/;
// One constant advisory-lock key: every replica of every service takes the same lock, but each
// service has its own database, so only replicas of one service ever wait on each other.
const migrationLockKey = 72_616_001;

/**
 * Applies or reverts SQL migrations, each in its own transaction, under a session advisory lock,
 * so replicas starting at once run them one after another and the later ones find nothing to do.
 * An applied migration whose file changed is refused (checksum).
 */
export async function migrate(options: MigrateOptions): Promise<MigrationResult> {
  const files = await readMigrations(options.directory);
  const table = checkedIdentifier(options.table ?? 'schema_migrations');
  const client = await options.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
      version bigint PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: string; checksum: string }>(
      `SELECT version, checksum FROM ${table} ORDER BY version`,
    );
    const applied = new Map(rows.map((row) => [Number(row.version), row.checksum]));
    for (const file of files) {
      const checksum = applied.get(file.version);
      if (checksum !== undefined && checksum !== sha256(file.up)) {
        throw new Error(`migration ${file.version}_${file.name} changed after it was applied`);
      }
    }
    const result: MigrationResult = { applied: [], reverted: [] };
    if (options.direction === 'up') {
      for (const file of files.filter((f) => !applied.has(f.version))) {
        await inTransaction(client, async () => {
          await client.query(file.up);
          await client.query(`INSERT INTO ${table} (version, name, checksum) VALUES ($1, $2, $3)`, [
            file.version,
            file.name,
            sha256(file.up),
          ]);
        });
        result.applied.push(`${file.version}_${file.name}`);
      }
    } else {
      const toRevert = files
        .filter((f) => applied.has(f.version))
        .reverse()
        .slice(0, options.steps ?? 1);
      for (const file of toRevert) {
        if (file.down === undefined) throw new Error(`migration ${file.version}_${file.name} has no down file`);
        const down = file.down;
        await inTransaction(client, async () => {
          await client.query(down);
          await client.query(`DELETE FROM ${table} WHERE version = $1`, [file.version]);
        });
        result.reverted.push(`${file.version}_${file.name}`);
      }
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]).catch(() => undefined);
    client.release();
  }
}

async function inTransaction(client: { query: (sql: string) => Promise<unknown> }, work: () => Promise<void>) {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

async function readMigrations(directory: string): Promise<MigrationFile[]> {
  const byVersion = new Map<number, Partial<MigrationFile> & { version: number; name: string }>();
  for (const entry of await readdir(directory)) {
    const match = fileName.exec(entry);
    if (match === null) continue;
    const [, versionText, name, kind] = match as unknown as [string, string, string, 'up' | 'down'];
    const version = Number(versionText);
    const file = byVersion.get(version) ?? { version, name };
    if (file.name !== name) throw new Error(`two migrations share version ${version}`);
    file[kind] = await readFile(join(directory, entry), 'utf8');
    byVersion.set(version, file);
  }
  return [...byVersion.values()]
    .map((file) => {
      if (file.up === undefined) throw new Error(`migration ${file.version}_${file.name} has no up file`);
      return { version: file.version, name: file.name, up: file.up, down: file.down };
    })
    .sort((a, b) => a.version - b.version);
}

function checkedIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid migrations table name ${name}`);
  return name;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
