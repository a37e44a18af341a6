import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureSigningKeys, freePort, type Platform, startPlatform } from '@notes/local-infra';
import { createTestDatabase, testKafkaBrokers } from '@notes/testkit';

export interface RunningPlatform extends Platform {
  /** Every line the services wrote, to check what they log. */
  output: string[];
  /** Stops the services and removes their databases and keys. */
  close(): Promise<void>;
}

export interface TestPlatformOptions {
  /** Added to every service's environment. */
  env?: Record<string, string>;
  /** Another broker than the shared test broker (a test that stops its broker brings its own). */
  kafkaBrokers?: string;
}

/** The whole platform as processes on fresh databases and free ports, as `make dev` runs it. */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<RunningPlatform> {
  const [authDb, notesDb] = await Promise.all([createTestDatabase('e2e_auth'), createTestDatabase('e2e_notes')]);
  const keysDir = await mkdtemp(join(tmpdir(), 'notes-e2e-keys-'));
  const output: string[] = [];
  const platform = await startPlatform({
    root: resolve(import.meta.dirname, '../..'),
    dsn: { auth: authDb.url, notes: notesDb.url },
    kafkaBrokers: options.kafkaBrokers ?? testKafkaBrokers(),
    ports: { bff: await freePort(), auth: await freePort(), notes: await freePort() },
    keys: await ensureSigningKeys(keysDir),
    logLevel: 'info',
    env: options.env ?? {},
    onLine: (service, line) => output.push(`${service}| ${line}`),
    onUnexpectedExit: (service, code) => output.push(`${service} exited with ${code}`),
  });
  return {
    ...platform,
    output,
    close: async () => {
      await platform.stop();
      await Promise.all([authDb.drop(), notesDb.drop()]);
      await rm(keysDir, { recursive: true, force: true });
    },
  };
}
