import type { Logger } from '@notes/logger';
import type { Pool, PoolClient } from '@notes/postgres';
import { type Backoff, backoffDelay } from '@notes/scheduling';
import { summarize } from './error-summary.ts';
import { outboxChannel } from './migrations.ts';

export interface OutboxListenerOptions {
  pool: Pool;
  /** The pause before listening again after lost connections in a row. */
  backoff: Backoff;
  logger: Logger;
  /** A NOTIFY came, or listening (re)started: something may have been committed meanwhile. */
  onNotification: () => void;
}

export interface OutboxListener {
  /** Resolves once the first LISTEN attempt is done (a failed one is retried on its own). */
  start(): Promise<void>;
  /** Stops retrying and closes the connection. */
  stop(): void;
}

/**
 * A connection that LISTENs on the outbox channel for other processes' after-commit NOTIFY. A lost
 * connection is replaced, with backoff; the relay's poll covers the time in between.
 */
export function createOutboxListener(options: OutboxListenerOptions): OutboxListener {
  const { pool, backoff, logger, onNotification } = options;
  let listening = false;
  let listener: PoolClient | undefined;
  let listenRetry: NodeJS.Timeout | undefined;
  let listenFailures = 0;

  async function listen(): Promise<void> {
    listenRetry = undefined;
    if (!listening) return;
    let client: PoolClient | undefined;
    try {
      client = await pool.connect();
      const connection = client;
      connection.on('notification', () => onNotification());
      connection.on('error', (error) => relisten(connection, error));
      connection.on('end', () => relisten(connection, new Error('the LISTEN connection ended')));
      await connection.query(`LISTEN ${outboxChannel}`);
      if (!listening) {
        connection.release(true);
        return;
      }
      listener = connection;
      listenFailures = 0;
      // Anything committed while nobody listened.
      onNotification();
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
    if (!listening || listenRetry !== undefined) return;
    listenFailures += 1;
    const delayMs = backoffDelay(listenFailures, backoff);
    logger.warn({ error: summarize(error), retryInMs: delayMs }, 'outbox LISTEN connection lost; polling meanwhile');
    listenRetry = setTimeout(() => void listen(), delayMs);
  }

  return {
    start() {
      listening = true;
      return listen();
    },
    stop() {
      listening = false;
      clearTimeout(listenRetry);
      listenRetry = undefined;
      const connection = listener;
      listener = undefined;
      connection?.release(true);
    },
  };
}
