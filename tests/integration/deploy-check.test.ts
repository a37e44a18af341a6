// The deployment checks of `make deploy-check` (scripts/ci-tools/deploy-check.sh) catch what they
// are there for: each test breaks a copy of the chart, the compose file, a Dockerfile or a
// workflow the way a careless edit would, and expects the check to fail naming the problem.
// The checkers come from scripts/ci-tools/tools.sh (built once into .tools/bin).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, '.tools/bin');

function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: repo,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolvePromise({ code, output }));
  });
}

const deployCheck = (section: string, env: Record<string, string> = {}) =>
  run(join(repo, 'scripts/ci-tools/deploy-check.sh'), [section], env);

async function edit(file: string, from: string | RegExp, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const changed = text.replace(from, to);
  assert.notEqual(changed, text, `${file}: "${from}" not found`);
  await writeFile(file, changed);
}

describe('make deploy-check fails on a broken deployment', () => {
  let scratch = '';
  let chart = '';

  before(async () => {
    const tools = await run(join(repo, 'scripts/ci-tools/tools.sh'), []);
    assert.equal(tools.code, 0, tools.output);
    scratch = await mkdtemp(join(tmpdir(), 'notes-deploy-check-'));
  });
  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const freshChart = async (name: string) => {
    chart = join(scratch, name, 'notes-platform');
    await cp(join(repo, 'deploy/helm/notes-platform'), chart, { recursive: true });
    return chart;
  };

  test('the chart as it is passes: helm lint, and kubeconform on dev and prod', async () => {
    const { code, output } = await deployCheck('helm', { CHART: await freshChart('as-is') });
    assert.equal(code, 0, output);
    assert.match(
      output,
      /helm prod, Kubernetes [0-9.]+: Summary: \d+ resources found in 1 file - Valid: \d+, Invalid: 0, Errors: 0/,
    );
  });

  test('a value in values.yaml that values.schema.json does not list', async () => {
    const copy = await freshChart('unknown-value');
    await edit(join(copy, 'values.yaml'), '    replicaCount: 1\n', '    replicaCount: 1\n    replicas: 3\n');
    const { code, output } = await deployCheck('helm', { CHART: copy });
    assert.notEqual(code, 0, output);
    assert.match(output, /additional properties 'replicas' not allowed/);
  });

  test('a value of the wrong type in values-prod.yaml', async () => {
    const copy = await freshChart('wrong-type');
    await edit(join(copy, 'values-prod.yaml'), 'maxReplicas: 20', 'maxReplicas: twenty');
    const { code, output } = await deployCheck('helm', { CHART: copy });
    assert.notEqual(code, 0, output);
    assert.match(output, /maxReplicas/);
  });

  test('a template that renders an invalid Deployment (a misspelt field)', async () => {
    const copy = await freshChart('invalid-object');
    await edit(join(copy, 'templates/deployment.yaml'), '  revisionHistoryLimit: 5', '  revisionHistoryLimits: 5');
    const { code, output } = await deployCheck('helm', { CHART: copy });
    assert.notEqual(code, 0, output);
    assert.match(output, /Deployment .* is invalid: .*additional properties 'revisionHistoryLimits' not allowed/);
  });

  test('a template that renders a port as text where Kubernetes wants a number', async () => {
    const copy = await freshChart('port-as-text');
    await edit(
      join(copy, 'templates/service.yaml'),
      '      port: {{ $profile.grpcPort }}',
      '      port: "{{ $profile.grpcPort }}"',
    );
    const { code, output } = await deployCheck('helm', { CHART: copy });
    assert.notEqual(code, 0, output);
    assert.match(output, /Service .* is invalid: .*port.*want integer/);
  });

  test('a ServiceMonitor that does not match the Prometheus Operator CRD', async () => {
    const copy = await freshChart('bad-servicemonitor');
    await edit(join(copy, 'templates/servicemonitor.yaml'), '      interval: {{', '      scrapeInterval: {{');
    const { code, output } = await deployCheck('helm', { CHART: copy });
    assert.notEqual(code, 0, output);
    assert.match(output, /ServiceMonitor .* is invalid: .*additional properties 'scrapeInterval' not allowed/);
  });

  test('a compose service that waits for a health check its dependency does not have', async () => {
    const file = join(scratch, 'docker-compose.yaml');
    const compose = await readFile(join(repo, 'deploy/docker-compose/docker-compose.yaml'), 'utf8');
    const kafkaHealth =
      /( {4}healthcheck:\n {6}test:\n? *\[\s*"CMD-SHELL",\s*"\/opt\/kafka\/bin\/kafka-broker-api-versions[^\n]*\n(?: {6,}[^\n]*\n)*)/;
    assert.match(compose, kafkaHealth);
    await writeFile(file, compose.replace(kafkaHealth, ''));
    const { code, output } = await deployCheck('compose', { COMPOSE_FILE_CHECKED: file });
    assert.notEqual(code, 0, output);
    assert.match(output, /waits for kafka to be healthy, but kafka has no healthcheck/);
  });

  test('a compose file outside the Compose specification', async () => {
    const file = join(scratch, 'docker-compose-invalid.yaml');
    const compose = await readFile(join(repo, 'deploy/docker-compose/docker-compose.yaml'), 'utf8');
    await writeFile(
      file,
      compose.replace('    restart: unless-stopped\n', '    restart: unless-stopped\n    restarts: 3\n'),
    );
    const { code, output } = await deployCheck('compose', { COMPOSE_FILE_CHECKED: file });
    assert.notEqual(code, 0, output);
    assert.match(output, /restarts/);
  });

  test('hadolint, with the repository settings, rejects a careless Dockerfile', async () => {
    const dockerfile = join(scratch, 'Dockerfile');
    await writeFile(
      dockerfile,
      'FROM node:latest\nWORKDIR /app\nCOPY . .\nRUN cd /app && npm install\nCMD node src/main.ts\n',
    );
    const { code, output } = await run(join(bin, 'hadolint'), [
      '--no-color',
      '--config',
      'deploy/hadolint.yaml',
      dockerfile,
    ]);
    assert.notEqual(code, 0, output);
    assert.match(output, /DL3007/); // the latest tag
    assert.match(output, /DL3025/); // CMD not in JSON form: node would not be PID 1 and miss SIGTERM
  });

  test('actionlint rejects a workflow with a broken expression', async () => {
    const workflow = join(scratch, 'ci.yaml');
    const text = await readFile(join(repo, '.github/workflows/ci.yaml'), 'utf8');
    await writeFile(
      workflow,
      text.replace(/\{\{ env\.NODE_VERSION \}\}/, (expression) => expression.slice(0, -1)),
    );
    const { code, output } = await run(join(bin, 'actionlint'), ['-no-color', workflow]);
    assert.notEqual(code, 0, output);
    assert.match(output, /ci\.yaml:\d+:\d+:/);
  });
});
