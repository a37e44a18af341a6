// Prometheus as `PROMETHEUS=1 make dev` runs it (packages/local-infra's startLocalPrometheus), against
// the whole platform: every service's /metrics is a target that is up, and the shipped alerting
// rules (deploy/prometheus/alerts.yaml) load and evaluate without error. Runs where Prometheus has
// been built (.tools/bin/prometheus: `make prometheus`, 9 CPU-minutes with empty Go caches, too long to
// add to every CI run); skipped, saying so, elsewhere.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  freePort,
  type LocalPrometheus,
  localPrometheusBinary,
  platformScrapeTargets,
  startLocalPrometheus,
  waitUntil,
} from '@notes/local-infra';
import { parse as parseYaml } from 'yaml';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

const repo = resolve(import.meta.dirname, '../..');
const binary = localPrometheusBinary(repo);
const rulesFile = join(repo, 'deploy', 'prometheus', 'alerts.yaml');

interface Target {
  labels: { job: string };
  health: string;
  lastError: string;
}
interface RuleGroup {
  name: string;
  rules: { name: string; health: string; lastError?: string }[];
}

describe('Prometheus against the local platform', {
  skip: binary ? false : 'no .tools/bin/prometheus (`make prometheus` builds it from the Go module proxy)',
}, () => {
  let platform: RunningPlatform;
  let prometheus: LocalPrometheus;
  let scratch = '';
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${prometheus.url}${path}`);
    assert.equal(response.status, 200, `GET ${path}`);
    return ((await response.json()) as { data: T }).data;
  };

  before(async () => {
    platform = await startTestPlatform();
    scratch = await mkdtemp(join(tmpdir(), 'notes-prometheus-'));
    prometheus = await startLocalPrometheus({
      binary: binary ?? '',
      dataDir: scratch,
      port: await freePort(),
      targets: platformScrapeTargets(platform),
      ruleFiles: [rulesFile],
      intervalSeconds: 1,
    });
  });

  after(async () => {
    await prometheus?.stop();
    await platform?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  test("every service's /metrics is a target, and each is up", async () => {
    let targets: Target[] = [];
    const allUp = async () => {
      targets = (await api<{ activeTargets: Target[] }>('/api/v1/targets?state=active')).activeTargets;
      return targets.length > 0 && targets.every((target) => target.health === 'up');
    };
    await waitUntil('every target up', allUp, 30_000).catch(() =>
      assert.fail(
        `targets: ${JSON.stringify(targets.map(({ labels, health, lastError }) => ({ ...labels, health, lastError })))}`,
      ),
    );
    assert.deepEqual(targets.map((target) => target.labels.job).sort(), [
      'auth-service',
      'bff-rest',
      'notes-service',
      'saga-orchestrator',
    ]);
  });

  test('the alerting rules of deploy/prometheus/alerts.yaml load and evaluate without error', async () => {
    const shipped = parseYaml(readFileSync(rulesFile, 'utf8')) as {
      groups: { name: string; rules: { alert: string }[] }[];
    };
    let groups: RuleGroup[] = [];
    const evaluated = async () => {
      groups = (await api<{ groups: RuleGroup[] }>('/api/v1/rules')).groups;
      return groups.length > 0 && groups.every((group) => group.rules.every((rule) => rule.health !== 'unknown'));
    };
    await waitUntil('every rule evaluated', evaluated, 30_000).catch(() => undefined);
    assert.deepEqual(
      // Prometheus lists the groups by name.
      groups.map((group) => ({ name: group.name, rules: group.rules.map((rule) => rule.name) })),
      shipped.groups
        .map((group) => ({ name: group.name, rules: group.rules.map((rule) => rule.alert) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      'Prometheus loaded every group and rule of the file',
    );
    for (const rule of groups.flatMap((group) => group.rules)) {
      assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError ?? ''}`);
    }
  });
});
