// `make chaos`: the platform on its own PostgreSQL and three Kafka nodes, every service a process,
// then each fault scenario of scenarios/ at full size, one after the other, and a table of what
// was injected and what was observed. Exit code 1 when a scenario missed its pass condition.
//   make chaos                                   every scenario (about 6 minutes)
//   make chaos SCENARIOS="broker paused,PostgreSQL paused"
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type LocalPostgres, startLocalPostgres } from '@notes/local-infra';
import { type RunningFaultContext, startFaultContext } from './context.ts';
import { emptyObservation, type Observation, observationTable, type Scenario } from './observation.ts';
import { scenarioNamed, scenarios } from './scenarios/index.ts';

const selected = process.env.SCENARIOS
  ? process.env.SCENARIOS.split(',').map((name) => scenarioNamed(name.trim()))
  : scenarios;
const scratch = await mkdtemp(join(tmpdir(), 'notes-chaos-'));
await chmod(scratch, 0o777); // as root, PostgreSQL runs as the postgres user and writes here
let postgres: LocalPostgres | undefined;
let context: RunningFaultContext | undefined;
const rows: { scenario: Scenario; observation: Observation }[] = [];
const log = (line: string) => process.stdout.write(`chaos | ${line}\n`);

try {
  const started = Date.now();
  postgres = await startLocalPostgres({
    dataDir: join(scratch, 'pg'),
    port: await freePort(),
    databases: [],
    ephemeral: true,
  });
  // The platform's databases are made on this server, as the e2e tier makes them on its own.
  process.env.TEST_POSTGRES_URL = postgres.url('postgres');
  context = await startFaultContext(postgres);
  log(
    `PostgreSQL, Kafka (${context.kafka.brokers}) and the platform up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  for (const scenario of selected) {
    log(`${scenario.name}: ${scenario.passCondition}`);
    const scenarioStarted = Date.now();
    const observation = await scenario.run(context, 'full').catch((error: Error) => ({
      ...emptyObservation('(the scenario did not finish)'),
      problems: [error.message],
    }));
    const verdict = observation.problems.length === 0 ? 'passed' : `FAILED: ${observation.problems.join('; ')}`;
    log(`${scenario.name}: ${verdict} (${((Date.now() - scenarioStarted) / 1000).toFixed(1)} s)`);
    rows.push({ scenario, observation });
  }
  process.stdout.write(`\n${observationTable(rows)}\n\n`);
} finally {
  await context?.close();
  await postgres?.stop();
  await rm(scratch, { recursive: true, force: true });
}
process.exitCode = rows.every(({ observation }) => observation.problems.length === 0) ? 0 : 1;
