import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Platform } from './platform.ts';
import { spawnServerProcess } from './server-process.ts';

export interface LocalPrometheusOptions {
  /** The prometheus binary (scripts/ci-tools/prometheus.sh builds it into .tools/bin). */
  binary: string;
  /** Its configuration file and its TSDB go here. */
  dataDir: string;
  port: number;
  /** Scrape jobs: job name → the host:port of each target's /metrics. */
  targets: Record<string, string[]>;
  /** Rule files it loads (deploy/prometheus/alerts.yaml). */
  ruleFiles: string[];
  /** Scrape and rule evaluation interval; 15 s (the compose file's) unless told. */
  intervalSeconds?: number;
  log?: (line: string) => void;
}

export interface LocalPrometheus {
  url: string;
  stop(): Promise<void>;
}

/** The prometheus binary under <root>/.tools/bin, when it has been built. */
export function localPrometheusBinary(root: string): string | undefined {
  const binary = join(root, '.tools', 'bin', 'prometheus');
  return existsSync(binary) ? binary : undefined;
}

/**
 * The platform's /metrics as scrape jobs named like the services (the names the alerting rules and
 * the dashboard select on), as deploy/prometheus/prometheus.yaml names them in compose.
 */
export function platformScrapeTargets(platform: Platform): Record<string, string[]> {
  const hostPort = (url: string) => new URL(url).host;
  return {
    'auth-service': [hostPort(platform.operationsUrl('auth'))],
    'notes-service': [hostPort(platform.operationsUrl('notes'))],
    'saga-orchestrator': [hostPort(platform.operationsUrl('saga'))],
    'bff-rest': platform.bffUrls.map(hostPort),
  };
}

/** Prometheus on 127.0.0.1:port with a configuration written from the options; ready when it serves. */
export async function startLocalPrometheus(options: LocalPrometheusOptions): Promise<LocalPrometheus> {
  await mkdir(options.dataDir, { recursive: true });
  const interval = `${options.intervalSeconds ?? 15}s`;
  // JSON is YAML: Prometheus reads it as its configuration file.
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: options.ruleFiles,
    scrape_configs: Object.entries(options.targets).map(([job, targets]) => ({
      job_name: job,
      static_configs: [{ targets }],
    })),
  };
  const configFile = join(options.dataDir, 'prometheus.yaml');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const server = spawnServerProcess({
    name: 'Prometheus',
    command: options.binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(options.dataDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${options.port}`,
    ],
    readyLine: 'Server is ready to receive web requests.',
    stopSignal: 'SIGTERM',
    log: options.log ?? (() => undefined),
  });
  await server.started(60_000);
  return { url: `http://127.0.0.1:${options.port}`, stop: () => server.stop(10_000) };
}
