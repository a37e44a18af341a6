// The operators' saga CLI over SagaService (a composition root of its own, like main.ts):
//   npm run saga -- list [--state S] [--type T] [--limit N]
//   npm run saga -- show <saga-id>        (with the step history)
//   npm run saga -- retry <saga-id>       (a FAILED saga resumes where it stopped)
//   npm run saga -- cancel <saga-id>      (a RUNNING saga compensates)
// SAGA_GRPC_URL names the orchestrator (default 127.0.0.1:50053); GRPC_TLS_CA, GRPC_TLS_CERT and
// GRPC_TLS_KEY the identity it presents (mutual TLS), or GRPC_PLAINTEXT=true. Exit codes: 0 done,
// 1 the call failed (the gRPC status on stderr), 2 bad usage or settings.
import { parseArgs } from 'node:util';
import { type Timestamp, timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { ConfigError } from '@notes/config';
import { type Saga, SagaService } from '@notes/contracts/saga/v1';
import { createGrpcTransport, type GrpcTls, readGrpcTls } from '@notes/grpc';

const usage = `usage: npm run saga -- <command>
  list [--state RUNNING|COMPENSATING|COMPLETED|COMPENSATED|FAILED] [--type T] [--limit N]
  show <saga-id>
  retry <saga-id>
  cancel <saga-id>
SAGA_GRPC_URL: the saga-orchestrator (default http://127.0.0.1:50053)
GRPC_TLS_CA, GRPC_TLS_CERT, GRPC_TLS_KEY: the CA and the client identity (PEM files), or GRPC_PLAINTEXT=true`;

const callTimeoutMs = 10_000;

function write(lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

function time(timestamp: Timestamp | undefined): string {
  return timestamp === undefined ? '-' : timestampDate(timestamp).toISOString();
}

/** One saga per line, in aligned columns. */
function formatList(sagas: readonly Saga[]): string[] {
  const rows = [
    ['SAGA', 'TYPE', 'STATE', 'STEP', 'ATTEMPTS', 'USER', 'UPDATED', 'REASON'],
    ...sagas.map((saga) => [
      saga.sagaId,
      saga.type,
      saga.state,
      saga.step || '-',
      String(saga.attempts),
      saga.userId || '-',
      time(saga.updatedAt),
      saga.failureReason,
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/** One saga's fields, then its history, oldest first. */
function formatSaga(saga: Saga | undefined): string[] {
  if (saga === undefined) return [];
  return [
    `saga      ${saga.sagaId}`,
    `type      ${saga.type}`,
    `state     ${saga.state}`,
    `step      ${saga.step || '-'}`,
    `attempts  ${saga.attempts}`,
    `user      ${saga.userId || '-'}`,
    `reason    ${saga.failureReason || '-'}`,
    `created   ${time(saga.createdAt)}`,
    `updated   ${time(saga.updatedAt)}`,
    'history:',
    ...saga.history.map((entry) => `  ${time(entry.at)}  ${entry.step || '-'}  ${entry.event}  ${entry.detail}`),
  ];
}

/** FailedPrecondition → FAILED_PRECONDITION, as gRPC spells its status codes. */
function statusName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

async function run(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(args);
  } catch (error) {
    console.error(`saga: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, sagaId, ...extra] = positionals;
  const takesId = command === 'show' || command === 'retry' || command === 'cancel';
  const validList = command === 'list' && sagaId === undefined;
  const limit = values.limit === undefined ? 0 : Number(values.limit);
  if (!((takesId && sagaId !== undefined && extra.length === 0) || validList) || !Number.isInteger(limit)) {
    console.error(usage);
    return 2;
  }
  let tls: GrpcTls | undefined;
  try {
    tls = readGrpcTls({
      plaintext: process.env.GRPC_PLAINTEXT === 'true',
      ca: process.env.GRPC_TLS_CA || undefined,
      cert: process.env.GRPC_TLS_CERT || undefined,
      key: process.env.GRPC_TLS_KEY || undefined,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`saga: ${error.message}`);
    return 2;
  }
  const sagas = createClient(
    SagaService,
    createGrpcTransport(process.env.SAGA_GRPC_URL || 'http://127.0.0.1:50053', { tls }),
  );
  const options = { timeoutMs: callTimeoutMs };
  try {
    if (validList) {
      const { sagas: found } = await sagas.listSagas(
        { state: values.state ?? '', type: values.type ?? '', limit },
        options,
      );
      write(formatList(found));
    } else if (command === 'show') {
      write(formatSaga((await sagas.getSaga({ sagaId }, options)).saga));
    } else if (command === 'retry') {
      write(formatSaga((await sagas.retrySaga({ sagaId }, options)).saga));
    } else {
      write(formatSaga((await sagas.cancelSaga({ sagaId }, options)).saga));
    }
    return 0;
  } catch (error) {
    const status = ConnectError.from(error);
    console.error(`saga: ${statusName(status.code)}: ${status.rawMessage}`);
    return 1;
  }
}

function parseOptions(args: string[]) {
  return parseArgs({
    args,
    options: { state: { type: 'string' }, type: { type: 'string' }, limit: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
}

process.exit(await run(process.argv.slice(2)));
