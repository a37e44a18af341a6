// make bench (full) / make bench-quick (--quick): the platform, started with production settings
// on an embedded PostgreSQL and a local Kafka, measured next to its ceilings in the same run:
//   - POST /v1/notes, GET /v1/notes, GET /v1/notes/{id} at 1, 16 and 64 connections, each beside
//     pgbench running the same SQL on the same server, and a bare Fastify hello-world;
//   - GET /v1/notes with q (two words), tag= and pinned=true for a user with 100,000 notes at 16
//     connections, each beside pgbench running the same statement on the same notes;
//   - CPU per request over every platform process, services' memory idle and under load;
//   - the variants (tracing off, ...) against production, interleaved rounds at 64 connections;
//   - SignUpSaga's sign-up → welcome note latency; a note write → its change on the change
//     streams open over two BFF replicas; the outbox relay (bench/outbox) beside
//     Kafka's producer performance tool; start-up time to ready.
// Results: bench/results/<timestamp>.json and .md, and the README's benchmark table.
import { setTimeout } from 'node:timers/promises';
import { measureChangeStreams } from './change-streams.ts';
import { median } from './figures.ts';
import { measureIdempotentCreate } from './idempotent-create.ts';
import { runLoad } from './load.ts';
import { measured } from './measure.ts';
import { startBenchInfra } from './outbox/infra.ts';
import {
  envelopeSize,
  measureCommitToConsume,
  measureProducerCeiling,
  measureRelayThroughput,
} from './outbox/relay.ts';
import { runPgbench, runPgbenchOnce } from './pgbench.ts';
import { serviceRss } from './process-stats.ts';
import { type BenchResults, machineInfo, type PathResult, type VariantRun, writeReport } from './report.ts';
import { measureSearch } from './search/figures.ts';
import { benchSettings } from './settings.ts';
import { startBenchStack } from './stack.ts';
import { ceilingScripts, ceilingVariables, helloTarget, notesPaths, notesTarget } from './targets.ts';
import { createUsers, refreshUsers } from './users.ts';
import { production, switchedOff } from './variants.ts';
import { measureWelcomeNoteLatency } from './welcome-note.ts';

const settings = benchSettings(process.argv.slice(2), process.env);
const log = (line: string) => process.stdout.write(`${line}\n`);
const maxConnections = Math.max(...settings.connections);
const { seconds, warmUpSeconds } = settings;

const startedAt = new Date().toISOString();
log(`make bench (${settings.mode}): ${seconds} s per figure after ${warmUpSeconds} s of warm-up`);
const stack = await startBenchStack(log);
try {
  const pgbench = {
    url: stack.ceilingUrl,
    pgbench: settings.pgbench,
    variables: ceilingVariables(settings),
  };
  const { serverVersion } = await runPgbenchOnce({ ...pgbench, script: 'seed-notes.sql' });
  const ceiling = async (script: string, connections: number) => {
    await runPgbenchOnce({ ...pgbench, script: 'analyze.sql' });
    await runPgbench({ ...pgbench, script, connections, seconds: warmUpSeconds });
    return measured(() => runPgbench({ ...pgbench, script, connections, seconds }));
  };

  log('production platform: starting');
  const startups: number[] = [];
  const main = await stack.startPlatform(production);
  startups.push(main.readyMs);
  const bffUrl = main.platform.bffUrl;
  await setTimeout(2_000);
  const idleRssMB = await serviceRss();
  const users = await createUsers(bffUrl, settings.users);

  const paths: PathResult[] = [];
  const hello = [];
  for (const connections of settings.connections) {
    for (const path of notesPaths) {
      // Fresh tokens, and (after the create runs) notes to read.
      await refreshUsers(bffUrl, users);
      log(`${path} at ${connections} connections`);
      const target = notesTarget(bffUrl, users, path);
      await runLoad(target, { connections, seconds: warmUpSeconds });
      const platform = await measured(() => runLoad(target, { connections, seconds }));
      paths.push({ path, connections, platform, ceiling: await ceiling(ceilingScripts[path], connections) });
    }
    const target = helloTarget(stack.helloUrl);
    await runLoad(target, { connections, seconds: warmUpSeconds });
    hello.push({ connections, ...(await runLoad(target, { connections, seconds })) });
  }
  const search = await measureSearch({
    bffUrl,
    notesDatabaseUrl: stack.notesDatabaseUrl,
    pgbench: settings.pgbench,
    seconds,
    warmUpSeconds,
    log,
  });
  log('POST /v1/notes with and without Idempotency-Key');
  await refreshUsers(bffUrl, users);
  const idempotentCreate = await measureIdempotentCreate(bffUrl, users, {
    connections: 16,
    seconds,
    warmUpSeconds,
    rounds: settings.variantRounds,
  });
  log('sign-up → welcome note');
  const welcomeNote = await measureWelcomeNoteLatency(bffUrl, stack.notesDatabaseUrl, settings.welcomeNote);
  await main.platform.stop();

  // Interleaved: every round starts each variant afresh and measures it the same way.
  const variantRuns: VariantRun[] = [];
  for (let round = 1; round <= settings.variantRounds; round++) {
    for (const variant of [production, ...switchedOff]) {
      log(`variant ${variant.name}, round ${round}`);
      const { platform, readyMs } = await stack.startPlatform(variant);
      startups.push(readyMs);
      try {
        await refreshUsers(platform.bffUrl, users);
        const target = notesTarget(platform.bffUrl, users, 'create');
        await runLoad(target, { connections: maxConnections, seconds: warmUpSeconds });
        const exportsBefore = stack.sink.received().exports;
        const figure = await measured(() => runLoad(target, { connections: maxConnections, seconds }));
        variantRuns.push({
          variant: variant.name,
          round,
          figure,
          traceExports: stack.sink.received().exports - exportsBefore,
        });
      } finally {
        await platform.stop();
      }
    }
  }

  log('outbox relay');
  const infra = await startBenchInfra({
    kafka: true,
    postgresUrl: stack.postgres.url('postgres'),
    brokers: stack.brokers,
  });
  const { events, batchSize, rate, latencySeconds } = settings.relay;
  const relay = await (async () => {
    try {
      return {
        throughput: await measureRelayThroughput(infra, { events, batchSize }),
        ceiling: await measureProducerCeiling(stack.brokers, { records: events, recordSize: envelopeSize }),
        latency: await measureCommitToConsume(infra, { rate, seconds: latencySeconds, relay: 'in-process' }),
      };
    } finally {
      await infra.stop();
    }
  })();

  // Last: its thousand client connections take ephemeral ports that a later start's free ports
  // could collide with.
  log('change streams over two BFF replicas');
  const replicated = await stack.startPlatform(production, {}, 2);
  startups.push(replicated.readyMs);
  const changeStreams = await (async () => {
    try {
      return await measureChangeStreams(
        replicated.platform.bffUrls,
        replicated.platform.operationsUrl('notes'),
        settings.changeStreams,
      );
    } finally {
      await replicated.platform.stop();
    }
  })();

  const results: BenchResults = {
    startedAt,
    settings,
    machine: await machineInfo({ postgres: serverVersion, pgbench: settings.pgbench }),
    startup: { samplesMs: startups, medianMs: median(startups) },
    paths,
    search,
    hello,
    memory: { idleRssMB, maxConnections },
    variants: variantRuns,
    idempotentCreate,
    welcomeNote,
    changeStreams,
    relay,
  };
  const written = await writeReport(results);
  log(`\n${written.markdown}\nwritten: ${written.files.join(', ')}`);
} finally {
  await stack.stop();
}
