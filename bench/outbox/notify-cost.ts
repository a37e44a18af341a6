// What waking the relays costs the writers: many concurrent "INSERT note + outbox row"
// transactions for BENCH_DURATION seconds (default 10) in each mode, a relay-like client LISTENing:
//   none          no NOTIFY at all (the relays would only poll): the ceiling
//   in-tx         NOTIFY outbox inside the business transaction
//   after-commit  createOutboxNotifier().afterCommit() after the commit (debounced, 10 ms window)
// The modes run twice in alternating order. PostgreSQL with default durability (fsync on).
//   node bench/outbox/notify-cost.ts     BENCH_CONNECTIONS=32 BENCH_DURATION=10
import { randomUUID } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import { NoteCreatedSchema } from '@notes/contracts/common/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import { appendToOutbox, createOutboxNotifier, outboxChannel } from '@notes/outbox';
import { type Pool, withTransaction } from '@notes/postgres';
import pg from 'pg';
import { percentile, print, startBenchInfra } from './infra.ts';

const durationMs = Number(process.env.BENCH_DURATION ?? 10) * 1000;
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
type Mode = 'none' | 'in-tx' | 'after-commit';

async function run(pool: Pool, url: string, mode: Mode) {
  await pool.query('TRUNCATE notes, outbox');
  await pool.query('CHECKPOINT').catch(() => undefined);
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  let notifications = 0;
  listener.on('notification', () => {
    notifications += 1;
  });
  await listener.query(`LISTEN ${outboxChannel}`);
  const notifier = createOutboxNotifier(pool, { windowMs: 10 });
  const latencies: number[] = [];
  const ownerId = randomUUID();
  const deadline = performance.now() + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const noteId = randomUUID();
      const now = new Date();
      await withTransaction(pool, async (tx) => {
        await tx.query(
          'INSERT INTO notes (id, owner_id, title, content, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)',
          [noteId, ownerId, 'benchmark note', 'x'.repeat(200), now],
        );
        await appendToOutbox(tx, topics.notesEvents, [
          {
            eventId: randomUUID(),
            aggregateId: noteId,
            type: eventTypes.NoteCreated,
            occurredAt: now,
            payload: toBinary(NoteCreatedSchema, create(NoteCreatedSchema, { noteId, ownerId })),
          },
        ]);
        if (mode === 'in-tx') await tx.query(`NOTIFY ${outboxChannel}`);
      });
      if (mode === 'after-commit') notifier.afterCommit();
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  await notifier.close();
  await new Promise((resolve) => setTimeout(resolve, 200));
  await listener.end();
  latencies.sort((a, b) => a - b);
  return {
    mode,
    txPerSecond: Math.round(latencies.length / seconds),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)),
    p99Ms: Number(percentile(latencies, 99).toFixed(2)),
    notifications,
  };
}

const infra = await startBenchInfra({ kafka: false });
try {
  const { pool, url } = await infra.database('outbox_notify_bench', connections + 2);
  print(`${connections} concurrent writers, ${durationMs / 1000} s per run, fsync on`);
  // Warm-up.
  await run(pool, url, 'none');
  const results = [];
  for (const mode of ['none', 'in-tx', 'after-commit', 'after-commit', 'in-tx', 'none'] as Mode[]) {
    const result = await run(pool, url, mode);
    print(JSON.stringify(result));
    results.push(result);
  }
  print('\n| mode | tx/s | p50 ms | p99 ms | NOTIFYs received |');
  print('|---|---:|---:|---:|---:|');
  for (const mode of ['none', 'in-tx', 'after-commit'] as Mode[]) {
    const runs = results.filter((result) => result.mode === mode);
    const mean = (pick: (r: (typeof runs)[number]) => number) =>
      Number((runs.reduce((sum, r) => sum + pick(r), 0) / runs.length).toFixed(1));
    print(
      `| ${mode} | ${mean((r) => r.txPerSecond)} | ${mean((r) => r.p50Ms)} | ${mean((r) => r.p99Ms)} | ${mean((r) => r.notifications)} |`,
    );
  }
} finally {
  await infra.stop();
}
