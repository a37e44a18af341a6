import type { EventProducer } from '@notes/kafka';
import type { Logger } from '@notes/logger';
import type { Pool } from '@notes/postgres';
import type { PeriodicJob } from '@notes/scheduling';
import { createOutboxListener } from './listener.ts';
import type { OutboxRelayMetrics } from './metrics.ts';
import { relayBatch } from './relay-batch.ts';
import { createRelayLoop } from './relay-loop.ts';
import { sentRowsRetention, startOutboxPurge } from './retention.ts';

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
  /**
   * Deleting sent rows: older than sentRowsMs (default 1 h), every purgeEveryMs (default 60 s),
   * chunkSize rows per statement (default 1000); false when the caller purges them (createGrpcService).
   */
  retention?: { sentRowsMs?: number; purgeEveryMs?: number; chunkSize?: number } | false;
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
  const { pool, producer, logger, metrics } = options;
  const batchSize = positive(options.batchSize ?? 500, 'batchSize');
  const pollIntervalMs = positive(options.pollIntervalMs ?? 1_000, 'pollIntervalMs');
  const backoffInitialMs = positive(options.backoff?.initialMs ?? 100, 'backoff.initialMs');
  const backoff = { initialMs: backoffInitialMs, maxMs: Math.max(backoffInitialMs, options.backoff?.maxMs ?? 5_000) };
  const retention = options.retention === false ? undefined : (options.retention ?? {});
  const sentRowsMs = positive(retention?.sentRowsMs ?? sentRowsRetention.keptMs, 'retention.sentRowsMs');
  const purgeEveryMs = positive(retention?.purgeEveryMs ?? sentRowsRetention.purgeEveryMs, 'retention.purgeEveryMs');
  const purgeChunkSize = positive(retention?.chunkSize ?? 1_000, 'retention.chunkSize');
  const listenEnabled = options.listen ?? true;

  const batch = { pool, producer, batchSize, metrics };
  const loop = createRelayLoop({
    relayBatch: () => relayBatch(batch),
    pollIntervalMs,
    backoff,
    logger,
    onBatchFailed: () => metrics?.batchFailed(),
  });
  const listener = createOutboxListener({ pool, backoff, logger, onNotification: loop.nudge });
  let running = false;
  let purge: PeriodicJob | undefined;

  return {
    async start() {
      if (running) return;
      running = true;
      loop.start();
      purge =
        retention &&
        startOutboxPurge(pool, {
          everyMs: purgeEveryMs,
          olderThanMs: sentRowsMs,
          chunkSize: purgeChunkSize,
          shouldContinue: () => running,
          logger,
        });
      if (listenEnabled) await listener.start();
    },
    async stop() {
      if (!running) return;
      running = false;
      const looping = loop.stop();
      listener.stop();
      await Promise.all([looping, purge?.stop()]);
    },
    nudge: loop.nudge,
  };
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`createOutboxRelay: ${name} must be a positive number`);
  return value;
}
