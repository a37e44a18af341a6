import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ensureSigningKeys,
  freePlatformPorts,
  type KeyFiles,
  type Platform,
  type ServiceEntry,
  type ServiceName,
  startPlatform,
} from '@notes/local-infra';
import { createTestDatabase, type TestRole, testKafkaBrokers } from '@notes/testkit';

export interface RunningPlatform extends Platform {
  /** Every line the services wrote, to check what they log. */
  output: string[];
  /** The signing key pair the platform runs with (tests forge and rotate tokens with it). */
  keys: KeyFiles;
  /** The connection strings of the services' databases. */
  dsn: { auth: string; notes: string; saga: string };
  /**
   * Resolves once every BFF replica's consumer of notes.events has joined its group: from then on,
   * a note written reaches the change streams through Kafka (before, only their catch-up read finds it).
   */
  followingNoteChanges(timeoutMs?: number): Promise<void>;
  /** Stops the services and removes their databases and keys. */
  close(): Promise<void>;
}

export interface TestPlatformOptions {
  /** Added to every service's environment. */
  env?: Record<string, string>;
  /** Added to one service's environment. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** A test's variant of a service, run in place of its entry (e.g. a notes-service that refuses welcome notes). */
  entryFiles?: Partial<Record<ServiceName, string>>;
  /** Another broker than the shared test broker (a test that stops its broker brings its own). */
  kafkaBrokers?: string;
  /** The role that owns the databases and that the services connect as; the server's admin by default. */
  databaseOwner?: Pick<TestRole, 'user' | 'password'>;
  /** The services' sources (the default) or their bundles (`make bundle`), as the images run them. */
  serviceEntry?: ServiceEntry;
  /** BFF replicas (bffUrls; the second is service `bff-2`); 1 by default. */
  bffReplicas?: number;
}

/** The whole platform as processes on fresh databases and free ports, as `make dev` runs it. */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<RunningPlatform> {
  const owner = options.databaseOwner === undefined ? {} : { owner: options.databaseOwner };
  const databases = await Promise.all(
    ['e2e_auth', 'e2e_notes', 'e2e_saga'].map((name) => createTestDatabase(name, owner)),
  );
  const [auth, notes, saga] = databases.map((database) => database.url) as [string, string, string];
  const keysDir = await mkdtemp(join(tmpdir(), 'notes-e2e-keys-'));
  const output: string[] = [];
  const dropEverything = async () => {
    await Promise.all(databases.map((database) => database.drop()));
    await rm(keysDir, { recursive: true, force: true });
  };
  const keys = await ensureSigningKeys(keysDir);
  const platform = await startPlatform({
    root: resolve(import.meta.dirname, '../..'),
    dsn: { auth, notes, saga },
    kafkaBrokers: options.kafkaBrokers ?? testKafkaBrokers(),
    ports: await freePlatformPorts(options.bffReplicas),
    keys,
    logLevel: 'info',
    // Two lanes of e2e files and the component files beside them share two cores: a service that
    // runs its TypeScript sources (a test entry) can take longer than make dev's 20 s to be ready.
    readyTimeoutMs: 60_000,
    env: options.env ?? {},
    serviceEnv: options.serviceEnv ?? {},
    ...(options.serviceEntry === undefined ? {} : { serviceEntry: options.serviceEntry }),
    ...(options.entryFiles === undefined ? {} : { entryFiles: options.entryFiles }),
    onLine: (service, line) => output.push(`${service}| ${line}`),
    onUnexpectedExit: (service, code) => output.push(`${service} exited with ${code}`),
  }).catch(async (error: unknown) => {
    await dropEverything();
    throw new Error(`the platform did not start: ${(error as Error).message}\n${output.slice(-30).join('\n')}`);
  });
  const replicas = options.bffReplicas ?? 1;
  return {
    ...platform,
    output,
    keys,
    async followingNoteChanges(timeoutMs = 30_000) {
      const following = () =>
        new Set(
          output
            .filter((line) => /^bff(-\d+)?\| .*change streams: following notes\.events/.test(line))
            .map((line) => line.split('|')[0]),
        );
      for (const deadline = Date.now() + timeoutMs; following().size < replicas; ) {
        if (Date.now() > deadline) throw new Error(`the BFF replicas did not join notes.events within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    dsn: { auth, notes, saga },
    close: async () => {
      await platform.stop();
      await dropEverything();
    },
  };
}
