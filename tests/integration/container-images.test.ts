// The service images themselves, built and run: scripts/containers/build-images.sh builds the four
// images of services/Dockerfile with the machine's container engine (docker, or podman with
// locally made base images), then each image with migrations runs `migrate up`, the four run as
// containers on the host's network against the test PostgreSQL and Kafka with mutual TLS between
// them, each answers its own HEALTHCHECK, a user signs up, finds the welcome note and creates,
// reads, changes and deletes a note through the BFF's container, the delivery reconciler runs from
// saga-orchestrator's image as the chart and compose run it and counts nothing left unprocessed,
// and each container stops on SIGTERM with exit code 0. Skipped, saying so, only where no container engine can run.
// A first build on a machine takes minutes (the base image, the generate stage's packages); later
// builds reuse the engine's layer cache (the generate stage's `make bundle` again when a source
// changed). deploy-image-rehearsal.test.ts checks the same images' contents without an engine.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createNotesApiClient, dataOrThrow } from '@notes/api-client';
import { ensureSigningKeys, ensureTlsFiles, freePorts, waitUntil } from '@notes/local-infra';
import { createTestDatabase, type TestDatabase, testKafkaBrokers } from '@notes/testkit';

const repo = resolve(import.meta.dirname, '../..');
const execFileAsync = promisify(execFile);
const containersConf = process.env.CONTAINERS_CONF ?? join(repo, 'scripts/containers/containers.conf');
const tag = 'integration-test';
const engineEnv = { ...process.env, CONTAINERS_CONF: containersConf, REGISTRY: 'notes-platform', TAG: tag };

/** docker when its daemon answers, else podman when it can run containers, else none. */
function containerEngine(): string | undefined {
  const candidates = process.env.CONTAINER_ENGINE ? [process.env.CONTAINER_ENGINE] : ['docker', 'podman'];
  return candidates.find((engine) => spawnSync(engine, ['info'], { env: engineEnv, stdio: 'ignore' }).status === 0);
}

const engine = containerEngine();
/** A service's image, whether it has migrations, and the settings that name its ports. */
const images = [
  { service: 'auth-service', migrates: true, ports: ['AUTH_GRPC_PORT', 'AUTH_HTTP_PORT'] },
  { service: 'notes-service', migrates: true, ports: ['NOTES_GRPC_PORT', 'NOTES_HTTP_PORT'] },
  { service: 'saga-orchestrator', migrates: true, ports: ['SAGA_GRPC_PORT', 'SAGA_HTTP_PORT'] },
  { service: 'bff-rest', migrates: false, ports: ['BFF_HTTP_PORT'] },
] as const;
type Service = (typeof images)[number]['service'];

async function run(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { cwd: repo, env: engineEnv, maxBuffer: 64 << 20 });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`);
  }
}

describe('the service images, built and run in containers', {
  skip: engine ? false : 'no container engine can run here (neither `docker info` nor `podman info` answers)',
}, () => {
  const command = engine ?? 'docker';
  const suffix = randomBytes(4).toString('hex');
  const containerOf = (service: Service) => `notes-test-${service}-${suffix}`;
  const imageOf = (service: Service) => `notes-platform/${service}:${tag}`;
  const reconcilerContainer = `notes-test-delivery-reconciler-${suffix}`;
  let scratch = '';
  const databases: TestDatabase[] = [];
  const env = new Map<Service, Record<string, string>>();
  let bffUrl = '';

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'notes-container-images-'));
    // Mounted into the containers, which run as 1000:1000: theirs as root, else readable by all.
    await ensureSigningKeys(join(scratch, 'keys'));
    await ensureTlsFiles(
      join(scratch, 'tls'),
      Object.fromEntries(images.map(({ service }) => [service, [service, 'localhost', '127.0.0.1']])),
    );
    for (const folder of ['keys', 'tls']) {
      const path = join(scratch, folder);
      await chmod(path, 0o755);
      for (const file of await readdir(path)) {
        if (process.getuid?.() === 0) await chown(join(path, file), 1000, 1000);
        else await chmod(join(path, file), 0o644);
      }
    }
    await chmod(scratch, 0o755);

    // Each container listens on free ports of the host (host network), given as its *_PORT settings.
    const free = await freePorts(images.reduce((count, image) => count + image.ports.length, 0));
    const portEnv = new Map(
      images.map(({ service, ports }) => [
        service,
        Object.fromEntries(ports.map((name) => [name, String(free.shift())])),
      ]),
    );
    const port = (service: Service, setting: string) =>
      Object.entries(portEnv.get(service) ?? {}).find(([name]) => name.endsWith(setting))?.[1] ?? '';
    const grpcUrl = (service: Service) => `https://127.0.0.1:${port(service, '_GRPC_PORT')}`;
    const database = async (name: string) => {
      const created = await createTestDatabase(`images_${name}`);
      databases.push(created);
      return created.url;
    };
    const own = (service: Service) => ({
      ...portEnv.get(service),
      GRPC_TLS_CA: '/tls/ca.crt',
      GRPC_TLS_CERT: `/tls/${service}.crt`,
      GRPC_TLS_KEY: `/tls/${service}.key`,
      LOG_LEVEL: 'warn',
      OTEL_SDK_DISABLED: 'true',
    });
    const kafka = testKafkaBrokers();
    env.set('auth-service', {
      ...own('auth-service'),
      AUTH_DB_DSN: await database('auth'),
      KAFKA_BROKERS: kafka,
      JWT_PRIVATE_KEY: '/keys/jwt-private.pem',
    });
    env.set('notes-service', { ...own('notes-service'), NOTES_DB_DSN: await database('notes'), KAFKA_BROKERS: kafka });
    env.set('saga-orchestrator', {
      ...own('saga-orchestrator'),
      SAGA_DB_DSN: await database('saga'),
      KAFKA_BROKERS: kafka,
      AUTH_GRPC_URL: grpcUrl('auth-service'),
    });
    env.set('bff-rest', {
      ...own('bff-rest'),
      JWT_PUBLIC_KEY: '/keys/jwt-public.pem',
      AUTH_GRPC_URL: grpcUrl('auth-service'),
      NOTES_GRPC_URL: grpcUrl('notes-service'),
      SAGA_GRPC_URL: grpcUrl('saga-orchestrator'),
      KAFKA_BROKERS: kafka,
      BFF_REPLICA_ID: `images-${suffix}`,
    });
    bffUrl = `http://127.0.0.1:${port('bff-rest', '_HTTP_PORT')}`;
  });

  after(async () => {
    await Promise.all(
      [...images.map(({ service }) => containerOf(service)), reconcilerContainer].map((container) =>
        execFileAsync(command, ['rm', '--force', container], { env: engineEnv }).catch(() => undefined),
      ),
    );
    await Promise.all(databases.map((database) => database.drop()));
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** `run` arguments as the compose file runs a service: read-only, no capabilities, host network. */
  const runArgs = (service: Service) => [
    '--network=host',
    '--read-only',
    '--tmpfs=/tmp',
    '--cap-drop=ALL',
    '--security-opt=no-new-privileges',
    `--volume=${join(scratch, 'tls')}:/tls:ro`,
    `--volume=${join(scratch, 'keys')}:/keys:ro`,
    ...Object.entries(env.get(service) ?? {}).map(([key, value]) => `--env=${key}=${value}`),
  ];

  test('scripts/containers/build-images.sh builds the four images', async (t) => {
    const report = await run(
      join(repo, 'scripts/containers/build-images.sh'),
      images.map(({ service }) => service),
    )
      .then((output) => output.trim().split('\n'))
      .catch((error: Error) => assert.fail(error.message));
    for (const line of report) t.diagnostic(line);
    for (const { service } of images) {
      assert.ok(
        report.some((line) => line.startsWith(`image ${imageOf(service)} built in `)),
        `${service} was built: ${report.join('; ')}`,
      );
    }
  });

  for (const { service } of images.filter(({ migrates }) => migrates)) {
    test(`${service}: \`migrate up\` in its image applies its migrations and exits 0`, async () => {
      const output = await run(command, ['run', '--rm', ...runArgs(service), imageOf(service), 'migrate', 'up']);
      assert.doesNotMatch(output, /error/i);
    });
  }

  for (const { service } of images) {
    test(`${service}: its container starts and answers its HEALTHCHECK`, async () => {
      await run(command, ['run', '--detach', `--name=${containerOf(service)}`, ...runArgs(service), imageOf(service)]);
      const healthy = async () => {
        if (command === 'podman') {
          // podman runs a HEALTHCHECK from systemd timers, which a machine without systemd lacks:
          // run it as the timer would.
          return (await run(command, ['healthcheck', 'run', containerOf(service)]).then(() => true)) as boolean;
        }
        const status = await run(command, ['inspect', '--format', '{{.State.Health.Status}}', containerOf(service)]);
        return status.trim() === 'healthy';
      };
      try {
        await waitUntil(`${service}'s HEALTHCHECK`, healthy, 60_000);
      } catch (error) {
        const logs = await run(command, ['logs', containerOf(service)]).catch((e: Error) => e.message);
        assert.fail(`${(error as Error).message}; its logs:\n${logs.slice(-3000)}`);
      }
    });
  }

  test('through the BFF container: sign-up, the welcome note, and a note created, read, changed and deleted', async () => {
    const anonymous = createNotesApiClient(bffUrl);
    const credentials = { email: `images-${randomUUID()}@example.com`, password: 'correct horse battery staple' };
    dataOrThrow(await anonymous.POST('/v1/auth/sign-up', { body: credentials }));
    const tokens = dataOrThrow(await anonymous.POST('/v1/auth/sign-in', { body: credentials }));
    const api = createNotesApiClient(bffUrl, { token: tokens.access_token });

    // auth-service → Kafka → saga-orchestrator → notes-service, each in its container.
    let welcome = '';
    await waitUntil(
      'the welcome note of the SignUpSaga',
      async () => {
        const { items } = dataOrThrow(await api.GET('/v1/notes'));
        welcome = items.find((note) => /welcome/i.test(note.title))?.title ?? '';
        return welcome !== '';
      },
      60_000,
    );
    assert.match(welcome, /welcome/i);

    const note = dataOrThrow(await api.POST('/v1/notes', { body: { title: 'Buy milk', content: '2 litres' } }));
    const path = { params: { path: { id: note.id } } };
    assert.equal(dataOrThrow(await api.GET('/v1/notes/{id}', path)).content, '2 litres');
    const changed = dataOrThrow(await api.PATCH('/v1/notes/{id}', { ...path, body: { title: 'Buy oat milk' } }));
    assert.equal(changed.title, 'Buy oat milk');
    const deleted = await api.DELETE('/v1/notes/{id}', path);
    assert.equal(deleted.response.status, 204);
    assert.equal((await api.GET('/v1/notes/{id}', path)).response.status, 404);
  });

  test("the delivery reconciler in saga-orchestrator's image, as the chart and compose run it: its metric, then SIGTERM", async () => {
    const [port] = await freePorts(1);
    const dsn = (service: Service, variable: string) => `--env=${variable}=${env.get(service)?.[variable] ?? ''}`;
    await run(command, [
      'run',
      '--detach',
      `--name=${reconcilerContainer}`,
      '--network=host',
      '--read-only',
      '--tmpfs=/tmp',
      '--cap-drop=ALL',
      '--security-opt=no-new-privileges',
      dsn('auth-service', 'AUTH_DB_DSN'),
      dsn('notes-service', 'NOTES_DB_DSN'),
      dsn('saga-orchestrator', 'SAGA_DB_DSN'),
      '--entrypoint=node',
      imageOf('saga-orchestrator'),
      ...['dist/delivery-check.js', '--serve', String(port), '--interval', '1s', '--older-than', '5m'],
    ]);
    const url = `http://127.0.0.1:${port}/metrics`;
    let metrics = '';
    try {
      await waitUntil(
        "the reconciler's /metrics",
        async () => {
          metrics = await fetch(url).then((response) => (response.ok ? response.text() : ''));
          return metrics !== '';
        },
        60_000,
      );
    } catch (error) {
      const logs = await run(command, ['logs', reconcilerContainer]).catch((e: Error) => e.message);
      assert.fail(`${(error as Error).message}; its logs:\n${logs.slice(-3000)}`);
    }
    for (const group of ['saga-orchestrator', 'auth-service', 'notes-service']) {
      assert.match(metrics, new RegExp(`^delivery_unprocessed_events\\{group="${group}"\\} 0$`, 'm'));
    }
    assert.match(metrics, /^delivery_reconciliation_failing 0$/m);
    await run(command, ['stop', '--time=15', reconcilerContainer]);
    const state = await run(command, ['inspect', '--format', '{{.State.ExitCode}}', reconcilerContainer]);
    assert.equal(state.trim(), '0', 'the reconciler stops on SIGTERM with exit code 0');
  });

  for (const { service } of [...images].reverse()) {
    test(`${service}: its container stops on SIGTERM with exit code 0`, async () => {
      // `stop` sends the image's STOPSIGNAL (SIGTERM) and waits up to 30 s before SIGKILL.
      await run(command, ['stop', '--time=30', containerOf(service)]);
      const state = await run(command, [
        'inspect',
        '--format',
        '{{.State.ExitCode}} {{.State.OOMKilled}}',
        containerOf(service),
      ]);
      const logs = await run(command, ['logs', containerOf(service)]).catch((e: Error) => e.message);
      assert.equal(state.trim(), '0 false', `exit code and OOM kill of ${service}; its logs:\n${logs.slice(-2000)}`);
    });
  }
});
