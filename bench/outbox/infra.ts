// What the outbox benches run on: PostgreSQL with default durability (fsync and synchronous_commit
// on, unlike the test cluster) and, when asked, a Kafka broker, both on free ports in a temporary
// folder removed at the end. Running ones instead: options.postgresUrl (an admin URL) and
// options.brokers (make bench passes its own), else BENCH_POSTGRES_URL / KAFKA_BROKERS.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allTopics } from '@notes/contracts/names';
import { freePort, type LocalKafka, type LocalPostgres, startLocalKafka, startLocalPostgres } from '@notes/local-infra';
import { outboxMigrations } from '@notes/outbox';
import { createPool, migrate, type Pool } from '@notes/postgres';
import pg from 'pg';

export interface BenchInfra {
  /** A fresh database with the outbox (and a notes table like notes-service's) migrated. */
  database(name: string, maxConnections: number): Promise<{ url: string; pool: Pool }>;
  brokers: string | undefined;
  stop(): Promise<void>;
}

export interface BenchInfraOptions {
  kafka: boolean;
  postgresUrl?: string;
  brokers?: string;
}

export async function startBenchInfra(options: BenchInfraOptions): Promise<BenchInfra> {
  const scratch = await mkdtemp(join(tmpdir(), 'outbox-bench-'));
  await chmod(scratch, 0o777);
  let postgres: LocalPostgres | undefined;
  let kafka: LocalKafka | undefined;
  const pools: Pool[] = [];
  try {
    let adminUrl = options.postgresUrl ?? process.env.BENCH_POSTGRES_URL;
    if (!adminUrl) {
      postgres = await startLocalPostgres({ dataDir: join(scratch, 'pg'), port: await freePort(), databases: [] });
      adminUrl = postgres.url('postgres');
    }
    let brokers = options.kafka ? (options.brokers ?? process.env.KAFKA_BROKERS) : undefined;
    if (options.kafka && !brokers) {
      kafka = await startLocalKafka({
        dataDir: join(scratch, 'kafka'),
        port: await freePort(),
        controllerPort: await freePort(),
        topics: allTopics.map((name) => ({ name, partitions: 3 })),
      });
      brokers = kafka.brokers;
    }
    const admin = adminUrl;
    return {
      brokers,
      async database(name, maxConnections) {
        const client = new pg.Client({ connectionString: admin });
        await client.connect();
        const database = `${name}_${Date.now()}`;
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
        await client.end();
        const url = new URL(admin);
        url.pathname = `/${database}`;
        const pool = createPool({ dsn: url.toString(), maxConnections, applicationName: name });
        pool.on('error', () => undefined);
        pools.push(pool);
        await migrate({ pool, direction: 'up', ...outboxMigrations });
        await pool.query(`CREATE TABLE IF NOT EXISTS notes (
          id uuid PRIMARY KEY, owner_id uuid NOT NULL, title text NOT NULL, content text NOT NULL DEFAULT '',
          version bigint NOT NULL DEFAULT 1, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
          deleted_at timestamptz NULL)`);
        return { url: url.toString(), pool };
      },
      async stop() {
        await Promise.all(pools.map((pool) => pool.end()));
        await Promise.all([postgres?.stop(), kafka?.stop()]);
        await rm(scratch, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all([postgres?.stop(), kafka?.stop()]);
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}
