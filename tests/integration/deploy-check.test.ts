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
import { parseAllDocuments, parse as parseYaml } from 'yaml';

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

// ---- what the deployment wires: the delivery reconciler and its alert, three Kafka brokers

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: a rendered object, read field by field
  spec?: any;
  stringData?: Record<string, string>;
}

/** helm template of the chart with values-<values>.yaml and --set pairs, as objects. */
async function renderChart(values: 'dev' | 'prod', set: string[] = []): Promise<Manifest[]> {
  const chart = join(repo, 'deploy/helm/notes-platform');
  const args = ['template', 'notes', chart, '--namespace', 'notes', '--kube-version', '1.37.0'];
  args.push('-f', join(chart, `values-${values}.yaml`));
  // The JWT keys' PEM text is only copied into Secrets: any text of their shape renders.
  args.push(
    '--set',
    'jwt.privateKey=-----BEGIN PRIVATE KEY-----x,jwt.publicKey=-----BEGIN PUBLIC KEY-----x',
    ...set.flatMap((pair) => ['--set', pair]),
  );
  const { code, output } = await run(join(bin, 'helm'), args);
  assert.equal(code, 0, output);
  return parseAllDocuments(output)
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

const reconcilerObjects = (manifests: Manifest[]) =>
  manifests.filter((manifest) => manifest.metadata.labels?.['app.kubernetes.io/component'] === 'delivery-reconciler');

describe('the deployment runs the delivery reconciler, scraped and alerted on, and three Kafka brokers', () => {
  before(async () => {
    const tools = await run(join(repo, 'scripts/ci-tools/tools.sh'), []);
    assert.equal(tools.code, 0, tools.output);
  });

  test("the chart: one replica serving --serve from saga-orchestrator's image, its Service and ServiceMonitor on that port", async () => {
    const manifests = await renderChart('prod', [
      'deliveryReconciler.interval=30s',
      'deliveryReconciler.olderThan=10m',
    ]);
    const objects = reconcilerObjects(manifests);
    const deployment = objects.find((object) => object.kind === 'Deployment');
    assert.ok(deployment, 'a Deployment of the delivery reconciler');
    assert.equal(deployment.spec.replicas, 1);
    const [container] = deployment.spec.template.spec.containers;
    const sagaImage = manifests.find(
      (object) => object.kind === 'Deployment' && object.metadata.name.endsWith('-saga-orchestrator'),
    )?.spec.template.spec.containers[0].image;
    assert.equal(container.image, sagaImage, "saga-orchestrator's image, which holds dist/delivery-check.js");
    assert.deepEqual(container.command, ['node', 'dist/delivery-check.js']);
    assert.deepEqual(container.args, [
      '--serve',
      '9464',
      '--host',
      '0.0.0.0',
      '--interval',
      '30s',
      '--older-than',
      '10m',
    ]);
    assert.deepEqual(container.envFrom, [{ secretRef: { name: 'notes-delivery-reconciler-secrets' } }]);
    assert.deepEqual(container.ports, [{ name: 'http-ops', containerPort: 9464, protocol: 'TCP' }]);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);

    const service = objects.find((object) => object.kind === 'Service');
    assert.deepEqual(
      service?.spec.ports.map((port: { name: string; port: number }) => [port.name, port.port]),
      [['http-ops', 9464]],
    );
    const monitor = objects.find((object) => object.kind === 'ServiceMonitor');
    assert.ok(monitor, 'values-prod.yaml scrapes it, as it scrapes the services');
    assert.equal(monitor.metadata.labels?.release, 'kube-prometheus-stack');
    assert.deepEqual(
      monitor.spec.endpoints.map((endpoint: { port: string; path: string }) => [endpoint.port, endpoint.path]),
      [['http-ops', '/metrics']],
    );
    assert.deepEqual(monitor.spec.selector.matchLabels, service?.spec.selector);

    const rules = manifests.find((object) => object.kind === 'PrometheusRule');
    const alerts = rules?.spec.groups.flatMap((group: { rules: { alert?: string; expr: string }[] }) => group.rules);
    const notProven = alerts?.find((rule: { alert?: string }) => rule.alert === 'NotesDeliveryNotProven');
    assert.match(notProven?.expr ?? '', /delivery_unprocessed_events/);
  });

  test('the chart: its own read-only credentials, the in-cluster role made with the server; none when disabled', async () => {
    const dev = await renderChart('dev');
    const secret = reconcilerObjects(dev).find((object) => object.kind === 'Secret');
    for (const [variable, database] of [
      ['AUTH_DB_DSN', 'notes_auth'],
      ['NOTES_DB_DSN', 'notes_notes'],
      ['SAGA_DB_DSN', 'notes_saga'],
    ] as const) {
      assert.match(
        secret?.stringData?.[variable] ?? '',
        new RegExp(`^postgres://delivery_reconciler:[^@]+@[^/]+/${database}$`),
      );
    }
    const init = dev.find((object) => object.kind === 'ConfigMap' && object.metadata.name.endsWith('-postgres-init')) as
      | (Manifest & { data: Record<string, string> })
      | undefined;
    assert.match(
      init?.data['delivery-reconciler-role.sh'] ?? '',
      /CREATE ROLE delivery_reconciler LOGIN .*pg_read_all_data/,
    );
    assert.match(init?.data['delivery-reconciler-role.sh'] ?? '', /default_transaction_read_only = on/);

    assert.deepEqual(reconcilerObjects(await renderChart('dev', ['deliveryReconciler.enabled=false'])), []);
  });

  test('docker compose: three KRaft brokers, topics of three replicas with min.insync.replicas=2, the reconciler scraped', async () => {
    const compose = parseYaml(await readFile(join(repo, 'deploy/docker-compose/docker-compose.yaml'), 'utf8'), {
      merge: true,
    });
    const brokers = ['kafka', 'kafka-2', 'kafka-3'];
    const voters = brokers.map((name, index) => `${index + 1}@${name}:9093`).join(',');
    for (const [index, name] of brokers.entries()) {
      const environment = compose.services[name]?.environment;
      assert.equal(environment?.KAFKA_NODE_ID, index + 1, name);
      assert.equal(environment?.KAFKA_CONTROLLER_QUORUM_VOTERS, voters, name);
      assert.equal(environment?.KAFKA_MIN_INSYNC_REPLICAS, 2, name);
      assert.equal(environment?.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, 3, name);
    }
    assert.match(compose.services['kafka-init'].command[0], /--replication-factor 3 --config min\.insync\.replicas=2/);
    for (const service of ['auth-service', 'notes-service', 'saga-orchestrator', 'bff-rest']) {
      assert.equal(
        compose.services[service].environment.KAFKA_BROKERS,
        'kafka:9092,kafka-2:9092,kafka-3:9092',
        service,
      );
    }
    const reconciler = compose.services['delivery-reconciler'];
    assert.deepEqual(reconciler.entrypoint, ['node', 'dist/delivery-check.js']);
    assert.equal(reconciler.image, compose.services['saga-orchestrator'].image);
    assert.match(reconciler.environment.AUTH_DB_DSN, /^postgres:\/\/delivery_reconciler:/);
    assert.match(
      compose.services['delivery-reconciler-role'].command[0],
      /GRANT SELECT ON outbox, processed_events TO delivery_reconciler/,
    );

    const prometheus = parseYaml(await readFile(join(repo, 'deploy/prometheus/prometheus.yaml'), 'utf8'));
    const job = prometheus.scrape_configs.find(
      (config: { job_name: string }) => config.job_name === 'delivery-reconciler',
    );
    assert.deepEqual(job?.static_configs, [{ targets: ['delivery-reconciler:9464'] }]);
  });
});
