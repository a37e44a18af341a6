// The database's ceiling: pgbench (PostgreSQL's own load tool, /usr/bin/pgbench or PGBENCH) runs a
// script of bench/pgbench/ — the same statements notes-service sends — at a number of
// connections, with prepared statements (parsed once per connection, then bound and executed),
// as notes-service sends them (a search: an unnamed statement, planned each time). Latencies come from pgbench's per-transaction log.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type LoadFigure, percentile } from './figures.ts';

const execFileAsync = promisify(execFile);
const scripts = join(import.meta.dirname, 'pgbench');

export interface PgbenchOptions {
  /** A connection URL of the database the script runs on. */
  url: string;
  /** A file of bench/pgbench/, e.g. create-note.sql. */
  script: string;
  /** Its variables (pgbench -D). */
  variables: Record<string, string | number>;
  pgbench: string;
  /** prepared (the default: parsed once per connection) or extended (an unnamed statement, planned each time). */
  protocol?: 'prepared' | 'extended';
}

function args(options: PgbenchOptions): string[] {
  return [
    '--no-vacuum',
    `--protocol=${options.protocol ?? 'prepared'}`,
    `--file=${join(scripts, options.script)}`,
    ...Object.entries(options.variables).map(([name, value]) => `--define=${name}=${value}`),
  ];
}

/**
 * The script once, on one connection (seeding data); resolves with the server's version, from
 * pgbench's banner ("pgbench (15.18 (Debian ...), server 18.4)"; no server part when both agree).
 */
export async function runPgbenchOnce(options: PgbenchOptions): Promise<{ serverVersion: string }> {
  const { stdout } = await execFileAsync(options.pgbench, [...args(options), '--transactions=1', options.url]);
  const version = /, server ([\d.]+)\)/.exec(stdout)?.[1] ?? /^pgbench \(([\d.]+)/m.exec(stdout)?.[1];
  return { serverVersion: version ?? 'unknown' };
}

export async function runPgbench(
  options: PgbenchOptions & { connections: number; seconds: number },
): Promise<LoadFigure> {
  const logs = await mkdtemp(join(tmpdir(), 'notes-pgbench-'));
  try {
    const { stdout } = await execFileAsync(options.pgbench, [
      ...args(options),
      `--client=${options.connections}`,
      '--jobs=1',
      `--time=${Math.max(1, Math.round(options.seconds))}`,
      '--log',
      `--log-prefix=${join(logs, 'tx')}`,
      options.url,
    ]);
    // Each log line: client_id transaction_no time_us script_no time_epoch time_us_part
    const latencies: number[] = [];
    for (const file of await readdir(logs)) {
      for (const line of (await readFile(join(logs, file), 'utf8')).split('\n')) {
        const micros = Number(line.split(' ')[2]);
        if (line !== '' && Number.isFinite(micros)) latencies.push(micros / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    // No tps line when no transaction completed in time (a starved 1-second run): count the log.
    const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? latencies.length / options.seconds);
    const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
    return {
      requests: latencies.length,
      requestsPerSecond: Math.round(tps),
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      p999Ms: round(percentile(latencies, 99.9)),
      errors: failed,
    };
  } finally {
    await rm(logs, { recursive: true, force: true });
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
