// The results of a run: bench/results/<timestamp>.json (everything) and .md (the tables, each
// figure beside its ceiling and the goals it must reach), and the same tables in the README
// between its bench markers. make bench-quick writes to bench/results/quick/ (git-ignored) and
// leaves the README alone: its one-second figures are a smoke test, not a measurement.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ChangeStreamFigure } from './change-streams.ts';
import { type LoadFigure, median } from './figures.ts';
import { type IdempotentCreate, idempotentCreateRates } from './idempotent-create.ts';
import type { MeasuredFigure } from './measure.ts';
import type { CommitToConsume, ProducerCeiling, RelayThroughput } from './outbox/relay.ts';
import { type ProcessGroup, serviceGroups } from './process-stats.ts';
import { type SearchResult, searchPathLabels } from './search/figures.ts';
import type { BenchSettings } from './settings.ts';
import { root } from './stack.ts';
import { type NotesPath, pathLabels } from './targets.ts';
import { production, switchedOff } from './variants.ts';
import type { WelcomeNoteLatency } from './welcome-note.ts';

const execFileAsync = promisify(execFile);

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  postgres: string;
  pgbench: string;
  kafka: string;
}

export interface PathResult {
  path: NotesPath;
  connections: number;
  platform: MeasuredFigure;
  /** pgbench, the same SQL on the same server. */
  ceiling: MeasuredFigure;
}

export interface VariantRun {
  variant: string;
  round: number;
  figure: MeasuredFigure;
  /** OTLP exports the sink received during the run: 0 means nothing was traced. */
  traceExports: number;
}

export interface BenchResults {
  startedAt: string;
  settings: BenchSettings;
  machine: MachineInfo;
  /** startPlatform until every service answers ready, each start of the run. */
  startup: { samplesMs: number[]; medianMs: number };
  paths: PathResult[];
  /** Search and filtered lists of one user with 100,000 notes. */
  search: SearchResult[];
  hello: (LoadFigure & { connections: number })[];
  memory: { idleRssMB: Partial<Record<ProcessGroup, number>>; maxConnections: number };
  variants: VariantRun[];
  /** POST /v1/notes with a fresh Idempotency-Key per request and without (absent in runs before it). */
  idempotentCreate?: IdempotentCreate;
  welcomeNote: WelcomeNoteLatency;
  changeStreams: ChangeStreamFigure;
  relay: { throughput: RelayThroughput; ceiling: ProducerCeiling; latency: CommitToConsume };
}

export async function machineInfo(versions: { postgres: string; pgbench: string }): Promise<MachineInfo> {
  const pgbench = (await execFileAsync(versions.pgbench, ['--version'])).stdout.trim();
  const kafkaHome = (await execFileAsync(join(root, 'scripts', 'fetch-kafka.sh'), ['--print-dir'])).stdout.trim();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round(totalmem() / 2 ** 30),
    node: process.versions.node,
    postgres: versions.postgres,
    pgbench: /([\d.]+)/.exec(pgbench)?.[1] ?? pgbench,
    kafka: /kafka-([\d.]+)$/.exec(kafkaHome)?.[1] ?? 'unknown',
  };
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;
const number = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1));
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

function underLoadRss(results: BenchResults): Partial<Record<ProcessGroup, number>> {
  const peak: Partial<Record<ProcessGroup, number>> = {};
  for (const { connections, platform } of results.paths) {
    if (connections !== results.memory.maxConnections) continue;
    for (const [group, mb] of Object.entries(platform.peakRssMB) as [ProcessGroup, number][]) {
      peak[group] = Math.max(peak[group] ?? 0, mb);
    }
  }
  return peak;
}

function variantMedians(results: BenchResults) {
  return [production, ...switchedOff].map((variant) => {
    const runs = results.variants.filter((run) => run.variant === variant.name);
    return {
      variant,
      runs,
      requestsPerSecond: median(runs.map((run) => run.figure.requestsPerSecond)),
      p99Ms: median(runs.map((run) => run.figure.p99Ms)),
      cpuMsPerRequest: median(runs.map((run) => run.figure.cpuMsPerRequest)),
      traceExports: median(runs.map((run) => run.traceExports)),
    };
  });
}

/** CPU ms per request of the Node services (bff-rest, auth, notes, saga) together. */
function nodeCpuMs(figure: MeasuredFigure): number {
  return serviceGroups.reduce((sum, group) => sum + (figure.cpuMsPerRequestByGroup[group] ?? 0), 0);
}

/** The Node services' CPU per request ÷ PostgreSQL's CPU per pgbench transaction of the same SQL. */
function nodeCpuOfPostgres({ platform, ceiling }: PathResult): number {
  return nodeCpuMs(platform) / (ceiling.cpuMsPerRequestByGroup.postgres ?? Number.NaN);
}

interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

function goals(results: BenchResults): Goal[] {
  const at = (path: NotesPath) =>
    results.paths.find((p) => p.path === path && p.connections === results.memory.maxConnections);
  const heaviest = (rss: Partial<Record<ProcessGroup, number>>) =>
    (Object.entries(rss) as [ProcessGroup, number][]).reduce(
      (max, entry) => (entry[1] > max[1] ? entry : max),
      ['bff', 0],
    );
  const [productionRuns, ...others] = variantMedians(results);
  const reached: Goal[] = [];
  const rateGoal = (path: NotesPath, share: number) => {
    const figure = at(path);
    if (figure === undefined) return;
    const ratio = figure.platform.requestsPerSecond / figure.ceiling.requestsPerSecond;
    reached.push({
      goal: `${pathLabels[path]} ≥ ${share * 100} % of pgbench's rate at ${figure.connections} connections`,
      measured: percent(figure.platform.requestsPerSecond, figure.ceiling.requestsPerSecond),
      met: ratio >= share,
    });
  };
  const cpuGoal = (path: NotesPath, ceiling: number) => {
    const figure = at(path);
    if (figure === undefined) return;
    const ratio = nodeCpuOfPostgres(figure);
    reached.push({
      goal: `${pathLabels[path]}: Node services' CPU per request ≤ ${ceiling.toFixed(1)} × PostgreSQL's per pgbench transaction`,
      measured: `${ratio.toFixed(2)} × (${nodeCpuMs(figure.platform).toFixed(3)} ms ÷ ${figure.ceiling.cpuMsPerRequestByGroup.postgres} ms)`,
      met: ratio <= ceiling,
    });
  };
  rateGoal('create', 0.5);
  rateGoal('list', 0.35);
  rateGoal('get', 0.35);
  rateGoal('changes', 0.35);
  for (const { path, connections, platform, ceiling } of results.search) {
    const label = `${searchPathLabels[path]} at ${connections} connections`;
    if (path === 'search') {
      reached.push({ goal: `${label}: p99 < 50 ms`, measured: `${ms(platform.p99Ms)} ms`, met: platform.p99Ms < 50 });
    }
    reached.push({
      goal: `${label} ≥ 35 % of pgbench's rate`,
      measured: percent(platform.requestsPerSecond, ceiling.requestsPerSecond),
      met: platform.requestsPerSecond >= 0.35 * ceiling.requestsPerSecond,
    });
  }
  const create = at('create');
  if (create) {
    reached.push({
      goal: 'POST /v1/notes p99 < 40 ms',
      measured: `${ms(create.platform.p99Ms)} ms`,
      met: create.platform.p99Ms < 40,
    });
  }
  cpuGoal('create', 1);
  cpuGoal('list', 2);
  const [idlest, idleMB] = heaviest(results.memory.idleRssMB);
  const [peakest, peakMB] = heaviest(underLoadRss(results));
  const { throughput, latency } = results.relay;
  reached.push(
    {
      goal: 'every service < 80 MB RSS idle',
      measured: `${idlest} ${idleMB.toFixed(0)} MB (the largest)`,
      met: idleMB < 80,
    },
    {
      goal: 'every service < 160 MB RSS under load',
      measured: `${peakest} ${peakMB.toFixed(0)} MB (the largest)`,
      met: peakMB < 160,
    },
    {
      goal: `sign-up request p50 < 40 ms at ${results.welcomeNote.perSecond} sign-ups/s`,
      measured: `${results.welcomeNote.signUpRequest.p50Ms} ms`,
      met: results.welcomeNote.signUpRequest.p50Ms < 40,
    },
    {
      goal: `note write → its change on every stream of its owner: p99 < 250 ms at ${results.changeStreams.writesPerSecond} writes/s, ${number(results.changeStreams.streams)} streams over ${results.changeStreams.replicas} BFF replicas, none missed`,
      measured: `${results.changeStreams.p99Ms} ms, ${results.changeStreams.missed} missed`,
      met: results.changeStreams.p99Ms < 250 && results.changeStreams.missed === 0,
    },
    {
      goal: 'relay ≥ 10,000 events/s',
      measured: `${number(throughput.eventsPerSecond)} events/s`,
      met: throughput.eventsPerSecond >= 10_000,
    },
    {
      goal: `commit-to-consume p99 < 50 ms at ${number(latency.rate)} events/s`,
      measured: `${latency.commitToConsume.p99Ms} ms`,
      met: latency.commitToConsume.p99Ms < 50,
    },
  );
  for (const other of others) {
    if (productionRuns === undefined) break;
    const ratio = productionRuns.requestsPerSecond / other.requestsPerSecond;
    const cost = switchedOff.find((variant) => variant.name === other.variant.name)?.cost ?? other.variant.name;
    reached.push({ goal: `${cost}: req/s on ÷ off ≥ 0.85`, measured: ratio.toFixed(2), met: ratio >= 0.85 });
  }
  if (results.idempotentCreate !== undefined) {
    const { ratio } = idempotentCreateRates(results.idempotentCreate);
    reached.push({
      goal: `POST /v1/notes with a fresh Idempotency-Key: req/s ≥ 0.85 × without, at ${results.idempotentCreate.connections} connections`,
      measured: ratio.toFixed(2),
      met: ratio >= 0.85,
    });
  }
  const errors = [...results.paths, ...results.search].reduce((sum, { platform }) => sum + platform.errors, 0);
  reached.push({ goal: 'no errors', measured: number(errors), met: errors === 0 });
  return reached;
}

/** A line naming the non-2xx answers of each figure that had some (they are not counted in req/s). */
function errorNotes(results: BenchResults): string[] {
  const notes = results.paths
    .filter(({ platform }) => platform.errors > 0)
    .map(({ path, connections, platform }) => {
      const statuses = Object.entries(platform.errorStatuses ?? {}).map(([status, count]) => `${count} × ${status}`);
      const connectionErrors = platform.errors - Object.values(platform.errorStatuses ?? {}).reduce((a, b) => a + b, 0);
      if (connectionErrors > 0) statuses.push(`${connectionErrors} connection errors`);
      return `${pathLabels[path]} at ${connections}: ${statuses.join(', ')}`;
    });
  return notes.length === 0 ? [] : [`Errors (not counted in req/s): ${notes.join('; ')}.`, ''];
}

/** A figure's cells from its connections to its share of pgbench's rate. */
function besideCeiling(connections: number, platform: MeasuredFigure, ceiling: MeasuredFigure): (string | number)[] {
  return [
    connections,
    number(platform.requestsPerSecond),
    ms(platform.p50Ms),
    ms(platform.p99Ms),
    ms(platform.p999Ms),
    platform.errors,
    number(ceiling.requestsPerSecond),
    ms(ceiling.p99Ms),
    percent(platform.requestsPerSecond, ceiling.requestsPerSecond),
  ];
}

/** POST /v1/notes with and without an Idempotency-Key, each round and the medians. */
function idempotentCreateTable(results: BenchResults, h: (title: string) => string): string[] {
  const measuredRuns = results.idempotentCreate;
  if (measuredRuns === undefined) return [];
  const { without, withKey, ratio } = idempotentCreateRates(measuredRuns);
  const runsOf = (variant: string) => measuredRuns.runs.filter((run) => run.variant === variant);
  return [
    h(
      `POST /v1/notes with a fresh Idempotency-Key per request, at ${measuredRuns.connections} connections, interleaved rounds`,
    ),
    '',
    row(['variant', 'req/s median (each round)', 'p99 ms (median)', 'CPU ms/req (median)', 'with ÷ without']),
    row(['---', '---:', '---:', '---:', '---:']),
    ...(['without key', 'with a fresh key'] as const).map((variant) => {
      const runs = runsOf(variant);
      return row([
        variant,
        `${number(variant === 'without key' ? without : withKey)} (${runs.map((run) => number(run.figure.requestsPerSecond)).join(', ')})`,
        ms(median(runs.map((run) => run.figure.p99Ms))),
        median(runs.map((run) => run.figure.cpuMsPerRequest)),
        variant === 'without key' ? '' : ratio.toFixed(2),
      ]);
    }),
    '',
  ];
}

/** The tables of a run, headings at `level` (## in the results file, #### in the README). */
export function renderTables(results: BenchResults, level: number): string {
  const h = (title: string) => `${'#'.repeat(level)} ${title}`;
  const { machine, settings } = results;
  const helloAt = (connections: number) => results.hello.find((figure) => figure.connections === connections);
  const lines = [
    `Machine: ${machine.cores} × ${machine.cpu}, ${machine.ramGiB} GiB RAM; Node ${machine.node}, PostgreSQL ${machine.postgres} (default durability; pgbench ${machine.pgbench}), Kafka ${machine.kafka} (one KRaft node). ${settings.mode} run, ${settings.seconds} s per figure after ${settings.warmUpSeconds} s of warm-up; the load generators run on the same cores.`,
    '',
    h('Requests: the platform next to pgbench (same SQL, same server) and a bare Fastify hello-world'),
    '',
    row([
      'path',
      'conns',
      'req/s',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'errors',
      'pgbench tx/s',
      'pgbench p99 ms',
      'of pgbench',
      'of hello-world',
      'CPU ms/req (pgbench)',
      'Node CPU ms/req ÷ PostgreSQL per pgbench tx',
    ]),
    row(['---', ...Array(12).fill('---:')]),
    ...results.paths.map((result) => {
      const { path, connections, platform, ceiling } = result;
      return row([
        pathLabels[path],
        ...besideCeiling(connections, platform, ceiling),
        percent(platform.requestsPerSecond, helloAt(connections)?.requestsPerSecond ?? Number.NaN),
        `${platform.cpuMsPerRequest} (${ceiling.cpuMsPerRequest})`,
        `${nodeCpuMs(platform).toFixed(3)} ÷ ${ceiling.cpuMsPerRequestByGroup.postgres} = ${nodeCpuOfPostgres(result).toFixed(2)} ×`,
      ]);
    }),
    ...results.search.map(({ path, connections, platform, ceiling }) =>
      row([
        `${searchPathLabels[path]} (one user, 100,000 notes)`,
        ...besideCeiling(connections, platform, ceiling),
        '',
        `${platform.cpuMsPerRequest} (${ceiling.cpuMsPerRequest})`,
        '',
      ]),
    ),
    ...results.hello.map((figure) =>
      row([
        'bare Fastify hello-world',
        figure.connections,
        number(figure.requestsPerSecond),
        ms(figure.p50Ms),
        ms(figure.p99Ms),
        ms(figure.p999Ms),
        figure.errors,
        '',
        '',
        '',
        '',
        '',
        '',
      ]),
    ),
    '',
    ...errorNotes(results),
    'CPU ms/req: CPU time of every platform process (services, PostgreSQL backends, the Kafka broker) during the run ÷ requests answered; in parentheses the same during pgbench (PostgreSQL alone, in effect). Node CPU: the four Node services’ share of it, next to PostgreSQL’s CPU per pgbench transaction.',
    '',
    h('Must reach'),
    '',
    row(['goal', 'measured', 'reached']),
    row(['---', '---:', '---']),
    ...goals(results).map((goal) => row([goal.goal, goal.measured, goal.met ? 'yes' : '**no**'])),
    '',
    h(`CPU ms per request at ${results.memory.maxConnections} connections, by process`),
    '',
    row(['path', ...serviceGroups, 'postgres', 'kafka', 'all']),
    row(['---', ...Array(serviceGroups.length + 3).fill('---:')]),
    ...results.paths
      .filter((p) => p.connections === results.memory.maxConnections)
      .map(({ path, platform }) =>
        row([
          pathLabels[path],
          ...[...serviceGroups, 'postgres' as const, 'kafka' as const].map((group) =>
            (platform.cpuMsPerRequestByGroup[group] ?? 0).toFixed(3),
          ),
          platform.cpuMsPerRequest,
        ]),
      ),
    '',
    h('Resident memory (VmRSS, MB)'),
    '',
    row(['service', 'idle (2 s after start)', `under load (peak, ${results.memory.maxConnections} connections)`]),
    row(['---', '---:', '---:']),
    ...serviceGroups.map((group) =>
      row([group, results.memory.idleRssMB[group]?.toFixed(0) ?? '', underLoadRss(results)[group]?.toFixed(0) ?? '']),
    ),
    '',
    h(
      `Variants: POST /v1/notes at ${results.memory.maxConnections} connections, median of ${settings.variantRounds} interleaved rounds`,
    ),
    '',
    row(['variant', 'req/s (each round)', 'p99 ms', 'CPU ms/req', 'OTLP exports', 'production ÷ variant']),
    row(['---', '---:', '---:', '---:', '---:', '---:']),
    ...variantMedians(results).map((v, _, all) =>
      row([
        v.variant.name,
        `${number(v.requestsPerSecond)} (${v.runs.map((run) => number(run.figure.requestsPerSecond)).join(', ')})`,
        ms(v.p99Ms),
        v.cpuMsPerRequest,
        number(v.traceExports),
        v.variant === production ? '' : ((all[0]?.requestsPerSecond ?? Number.NaN) / v.requestsPerSecond).toFixed(2),
      ]),
    ),
    '',
    ...idempotentCreateTable(results, h),
    h('Events, sagas, start-up'),
    '',
    `- Outbox relay (one relay, batch ${results.relay.throughput.batchSize}, ${number(results.relay.throughput.events)} events): ${number(results.relay.throughput.eventsPerSecond)} events/s = ${percent(results.relay.throughput.eventsPerSecond, results.relay.ceiling.recordsPerSecond)} of Kafka's ProducerPerformance on the same broker (${number(results.relay.ceiling.recordsPerSecond)} records/s of ${results.relay.ceiling.recordSize} bytes, acks=all, idempotent).`,
    `- Commit → consume at ${number(results.relay.latency.rate)} events/s (relay in-process): p50 ${results.relay.latency.commitToConsume.p50Ms} ms, p99 ${results.relay.latency.commitToConsume.p99Ms} ms (max ${results.relay.latency.commitToConsume.maxMs}).`,
    `- Sign-up committed → welcome note committed (SignUpSaga through Kafka), ${results.welcomeNote.signUps} sign-ups at ${results.welcomeNote.perSecond}/s${results.welcomeNote.failed > 0 ? ` (${results.welcomeNote.failed} failed: ${results.welcomeNote.firstFailure})` : ''}: p50 ${results.welcomeNote.signUpToWelcomeNote.p50Ms} ms, p99 ${results.welcomeNote.signUpToWelcomeNote.p99Ms} ms; the sign-up request (Argon2id included): p50 ${results.welcomeNote.signUpRequest.p50Ms} ms, p99 ${results.welcomeNote.signUpRequest.p99Ms} ms.`,
    `- Note written → its change received on every change stream of its owner (${number(results.changeStreams.streams)} streams over ${results.changeStreams.replicas} BFF replicas, ${results.changeStreams.writesPerSecond} writes/s through the replicas in turn, ${number(results.changeStreams.writes)} writes, ${results.changeStreams.failedWrites} failed): p50 ${results.changeStreams.p50Ms} ms, p99 ${results.changeStreams.p99Ms} ms (max ${results.changeStreams.maxMs}) over ${number(results.changeStreams.deliveries)} deliveries, ${results.changeStreams.missed} missed, ${results.changeStreams.feedReadsPerWrite} feed reads per write; the BFFs' memory grew ${results.changeStreams.rssKBPerStream} KB per open stream (goal < 20 KB); its floor is the commit → consume above.`,
    `- Start-up, four services from spawn to ready (median of ${results.startup.samplesMs.length}): ${(results.startup.medianMs / 1000).toFixed(1)} s.`,
    '',
  ];
  return lines.join('\n');
}

/** An ISO time as a file name: 2026-11-25T11-46-56Z. */
export function fileStamp(isoTime: string): string {
  return isoTime.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
}

const readmeStart = '<!-- bench:start -->';
const readmeEnd = '<!-- bench:end -->';

export async function writeReport(results: BenchResults): Promise<{ markdown: string; files: string[] }> {
  const quick = results.settings.mode === 'quick';
  const folder = join(root, 'bench', 'results', ...(quick ? ['quick'] : []));
  const stamp = fileStamp(results.startedAt);
  const markdown = `# make bench ${stamp}\n\n${renderTables(results, 2)}`;
  await mkdir(folder, { recursive: true });
  const files = [join(folder, `${stamp}.json`), join(folder, `${stamp}.md`)];
  await writeFile(files[0] as string, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(files[1] as string, markdown);
  if (!quick) {
    const readme = join(root, 'README.md');
    const text = await readFile(readme, 'utf8');
    const start = text.indexOf(readmeStart);
    const end = text.indexOf(readmeEnd);
    if (start !== -1 && end > start) {
      const block = `${readmeStart}\nLatest run (${stamp}, [bench/results/${stamp}.md](bench/results/${stamp}.md)):\n\n${renderTables(results, 4)}${readmeEnd}`;
      await writeFile(readme, text.slice(0, start) + block + text.slice(end + readmeEnd.length));
      files.push(readme);
    }
  }
  return { markdown, files };
}
