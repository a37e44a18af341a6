import type { Event, EventProducer } from '@notes/kafka';
import type { Logger } from '@notes/logger';
import type { Pool, PoolClient } from '@notes/postgres';
import { recordFailure, traceHeadersOf } from '@notes/telemetry';
import { ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';
import type { OutboxRelayMetrics } from './metrics.ts';
import { outboxChannel, outboxLaneLockKey, outboxLanes } from './migrations.ts';
import { purgeSentOutboxRows } from './retention.ts';
import { startPublishSpan } from './tracing.ts';

export interface OutboxRelayOptions {
  pool: Pool;
  /** Only publish() is used; the caller owns the producer and closes it after stop(). */
  producer: Pick<EventProducer, 'publish'>;
  logger: Logger;
  /** Rows claimed, published and marked sent per transaction (default 500). */
  batchSize?: number;
  /** The fallback poll when no wake-up comes (default 1000 ms). */
  pollIntervalMs?: number;
  /** After a failed batch: initialMs, doubled on each failure in a row, capped at maxMs (default 100 ms → 5 s). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Deleting sent rows: older than sentRowsMs (default 1 h), every purgeEveryMs (default 60 s), chunkSize rows per statement (default 1000). */
  retention?: { sentRowsMs?: number; purgeEveryMs?: number; chunkSize?: number };
  /** LISTEN on the outbox channel for other processes' after-commit NOTIFY (default true). */
  listen?: boolean;
  /** Told about every produce call and failed batch (createOutboxMetrics). */
  metrics?: OutboxRelayMetrics;
}

export interface OutboxRelay {
  /** Starts relaying; resolves once the first LISTEN attempt is done (the relay keeps retrying on its own). */
  start(): Promise<void>;
  /** Finishes the current batch (it commits or rolls back), stops listening and purging. */
  stop(): Promise<void>;
  /** Something was just committed to the outbox: look now instead of at the next poll. */
  nudge(): void;
}

interface OutboxRow {
  id: string;
  aggregate_id: string;
  topic: string;
  type: string;
  payload: Buffer;
  correlation_id: string | null;
  trace_headers: Record<string, string> | null;
  occurred_at: Date;
  lane: number;
}

interface BatchOutcome {
  published: number;
  /** A lane gave as many rows as it was asked for: there may be more right now. */
  more: boolean;
}

// The lanes that have unsent rows (a hint, from a snapshot taken before the locks), each locked
// for this transaction if no other relay holds it. MATERIALIZED, so the lock function only ever
// runs on lanes that have work: an idle lane stays free for the other relays.
const claimLanesSql = `
  WITH pending AS MATERIALIZED (
    SELECT l.lane FROM generate_series(0, $2::int - 1) AS l(lane)
    WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.lane = l.lane AND o.sent_at IS NULL)
  )
  SELECT lane FROM pending WHERE pg_try_advisory_xact_lock($1::int, lane)`;

// A new statement, so a new snapshot taken after the lane locks: it sees everything the lanes'
// previous holders committed. Up to $2 rows per lane, oldest seq first. SKIP LOCKED never skips a
// row of a locked lane (no other relay claims rows there); it only keeps the statement from
// waiting on something unexpected holding a row.
const claimRowsSql = `
  SELECT o.id, o.aggregate_id, o.topic, o.type, o.payload, o.correlation_id, o.trace_headers, o.occurred_at, o.lane
  FROM unnest($1::int[]) AS l(lane)
  CROSS JOIN LATERAL (
    SELECT * FROM outbox
    WHERE outbox.lane = l.lane AND outbox.sent_at IS NULL
    ORDER BY outbox.seq
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  ) AS o
  ORDER BY o.seq`;

/**
 * Publishes the outbox's unsent rows to Kafka, at least once, in commit order per aggregate.
 *
 * Each batch is one transaction: lock the free lanes that have work (pg_try_advisory_xact_lock),
 * claim their oldest unsent rows (FOR UPDATE SKIP LOCKED), publish them (the producer waits for
 * acks = all), set sent_at, commit. If publishing or anything else fails, the transaction rolls
 * back, the rows stay unsent, and the relay retries after an exponential back-off. Several relays
 * may share one table: a lane is worked by one relay at a time, in seq order.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { pool, producer, logger } = options;
  const batchSize = positive(options.batchSize ?? 500, 'batchSize');
  const pollIntervalMs = positive(options.pollIntervalMs ?? 1_000, 'pollIntervalMs');
  const backoffInitialMs = positive(options.backoff?.initialMs ?? 100, 'backoff.initialMs');
  const backoffMaxMs = Math.max(backoffInitialMs, options.backoff?.maxMs ?? 5_000);
  const sentRowsMs = positive(options.retention?.sentRowsMs ?? 3_600_000, 'retention.sentRowsMs');
  const purgeEveryMs = positive(options.retention?.purgeEveryMs ?? 60_000, 'retention.purgeEveryMs');
  const purgeChunkSize = positive(options.retention?.chunkSize ?? 1_000, 'retention.chunkSize');
  const listenEnabled = options.listen ?? true;

  let running = false;
  let wakeRequested = false;
  /** Ends the current pause of the loop: set while it sleeps. */
  let interruptSleep: ((byNudge: boolean) => void) | undefined;
  let loopDone: Promise<void> = Promise.resolve();
  let listener: PoolClient | undefined;
  let listenRetry: NodeJS.Timeout | undefined;
  let listenFailures = 0;
  let purgeTimer: NodeJS.Timeout | undefined;
  let purging: Promise<void> = Promise.resolve();

  function nudge(): void {
    wakeRequested = true;
    interruptSleep?.(true);
  }

  /** Resolves after ms, or earlier on stop(); on nudge() too when wakeable. */
  function pause(ms: number, wakeable: boolean): Promise<void> {
    if (!running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => end(false), ms);
      function end(byNudge: boolean): void {
        if (byNudge && !wakeable) return;
        clearTimeout(timer);
        interruptSleep = undefined;
        resolve();
      }
      interruptSleep = end;
    });
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (running) {
      wakeRequested = false;
      let outcome: BatchOutcome;
      try {
        outcome = await relayBatch();
        if (failures > 0) logger.info({ failures }, 'outbox relay recovered');
        failures = 0;
      } catch (error) {
        failures += 1;
        options.metrics?.batchFailed();
        const delayMs = Math.min(backoffMaxMs, backoffInitialMs * 2 ** Math.min(failures - 1, 30));
        // The client's errors nest every attempt's stack: one line at warn, the whole at debug.
        logger.warn(
          { error: summarize(error), failures, retryInMs: delayMs },
          'outbox batch failed; its rows stay unsent',
        );
        logger.debug({ err: error }, 'outbox batch failure');
        await pause(delayMs, false);
        continue;
      }
      // A full batch: loop at once. A wake-up during the batch: what woke us may have committed
      // after the batch's snapshot, so look again.
      if (outcome.more || wakeRequested) continue;
      await pause(pollIntervalMs, true);
    }
  }

  async function relayBatch(): Promise<BatchOutcome> {
    const client = await pool.connect();
    let broken: unknown;
    try {
      // synchronous_commit off for this transaction only: it changes nothing but sent_at, and
      // losing that to a database crash only republishes (at least once) — while waiting for the
      // WAL flush of every batch would slow the relay down for nothing.
      await client.query('BEGIN; SET LOCAL synchronous_commit = off');
      const { rows: laneRows } = await client.query<{ lane: number }>(claimLanesSql, [outboxLaneLockKey, outboxLanes]);
      if (laneRows.length === 0) {
        await client.query('COMMIT');
        return { published: 0, more: false };
      }
      const lanes = laneRows.map((row) => row.lane);
      const perLane = Math.max(1, Math.ceil(batchSize / lanes.length));
      const { rows } = await client.query<OutboxRow>(claimRowsSql, [lanes, perLane]);
      if (rows.length > 0) {
        await publish(rows);
        await client.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::uuid[])', [rows.map((row) => row.id)]);
      }
      await client.query('COMMIT');
      const perLaneCounts = new Map<number, number>();
      for (const row of rows) perLaneCounts.set(row.lane, (perLaneCounts.get(row.lane) ?? 0) + 1);
      return { published: rows.length, more: [...perLaneCounts.values()].some((count) => count >= perLane) };
    } catch (error) {
      broken = error;
      await client.query('ROLLBACK').then(
        () => {
          broken = undefined;
        },
        () => undefined,
      );
      throw error;
    } finally {
      // A connection whose ROLLBACK failed is closed rather than handed back to the pool.
      client.release(broken === undefined ? undefined : toError(broken));
    }
  }

  /**
   * One produce call per topic (a batch usually holds one), each in seq order. Each event is
   * published in a PRODUCER span, a child of the trace context stored with its row.
   */
  async function publish(rows: OutboxRow[]): Promise<void> {
    const spans: Span[] = [];
    try {
      await publishInOrder(rows, spans);
    } catch (error) {
      for (const span of spans) recordFailure(span, error);
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
  }

  async function publishInOrder(rows: OutboxRow[], spans: Span[]): Promise<void> {
    const byTopic = new Map<string, Event[]>();
    for (const row of rows) {
      let events = byTopic.get(row.topic);
      if (events === undefined) {
        events = [];
        byTopic.set(row.topic, events);
      }
      const span = startPublishSpan(row);
      spans.push(span);
      events.push({
        eventId: row.id,
        aggregateId: row.aggregate_id,
        type: row.type,
        occurredAt: row.occurred_at,
        payload: row.payload,
        correlationId: row.correlation_id ?? undefined,
        // The consumers' parent is the publish span; a relay that does not trace passes the stored context on.
        traceHeaders:
          (span.isRecording() ? traceHeadersOf(trace.setSpan(ROOT_CONTEXT, span)) : undefined) ??
          row.trace_headers ??
          undefined,
      });
    }
    for (const [topic, events] of byTopic) {
      const started = performance.now();
      await producer.publish(topic, events);
      options.metrics?.published(
        topic,
        events.map((event) => event.occurredAt),
        (performance.now() - started) / 1000,
      );
    }
  }

  async function listen(): Promise<void> {
    listenRetry = undefined;
    if (!running) return;
    let client: PoolClient | undefined;
    try {
      client = await pool.connect();
      const connection = client;
      connection.on('notification', () => nudge());
      connection.on('error', (error) => relisten(connection, error));
      connection.on('end', () => relisten(connection, new Error('the LISTEN connection ended')));
      await connection.query(`LISTEN ${outboxChannel}`);
      if (!running) {
        connection.release(true);
        return;
      }
      listener = connection;
      listenFailures = 0;
      // Anything committed while nobody listened.
      nudge();
    } catch (error) {
      client?.release(true);
      relisten(undefined, error);
    }
  }

  function relisten(client: PoolClient | undefined, error: unknown): void {
    if (client !== undefined) {
      if (listener !== client) return; // already replaced, or stop() closed it
      listener = undefined;
      client.release(true);
    }
    if (!running || listenRetry !== undefined) return;
    listenFailures += 1;
    const delayMs = Math.min(backoffMaxMs, backoffInitialMs * 2 ** Math.min(listenFailures - 1, 30));
    logger.warn({ error: summarize(error), retryInMs: delayMs }, 'outbox LISTEN connection lost; polling meanwhile');
    listenRetry = setTimeout(() => void listen(), delayMs);
  }

  function schedulePurge(): void {
    purgeTimer = setTimeout(() => {
      purging = purgeSentOutboxRows(pool, {
        olderThanMs: sentRowsMs,
        chunkSize: purgeChunkSize,
        shouldContinue: () => running,
      }).then(
        (deleted) => {
          if (deleted > 0) logger.debug({ deleted }, 'outbox: deleted old sent rows');
        },
        (error: unknown) => logger.warn({ err: error }, 'outbox retention failed; retried at the next period'),
      );
      void purging.then(() => {
        if (running) schedulePurge();
      });
    }, purgeEveryMs);
  }

  return {
    async start() {
      if (running) return;
      running = true;
      wakeRequested = false;
      loopDone = loop();
      schedulePurge();
      if (listenEnabled) await listen();
    },
    async stop() {
      if (!running) return;
      running = false;
      interruptSleep?.(false);
      clearTimeout(listenRetry);
      listenRetry = undefined;
      clearTimeout(purgeTimer);
      const connection = listener;
      listener = undefined;
      connection?.release(true);
      await Promise.all([loopDone, purging]);
    },
    nudge,
  };
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`createOutboxRelay: ${name} must be a positive number`);
  return value;
}

/** The error's message and, for aggregates (the Kafka client's retries), the distinct innermost ones. */
function summarize(error: unknown): string {
  const leaves = new Set<string>();
  const visit = (value: unknown, depth: number): void => {
    const nested = value instanceof AggregateError ? value.errors : [];
    if (nested.length === 0 || depth > 5) {
      leaves.add(value instanceof Error ? value.message : String(value));
      return;
    }
    for (const inner of nested) visit(inner, depth + 1);
  };
  visit(error, 0);
  const message = error instanceof Error ? error.message : String(error);
  leaves.delete(message);
  return leaves.size === 0 ? message : `${message}: ${[...leaves].join('; ')}`;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
