import type { Logger } from '@notes/logger';
import { type Backoff, backoffDelay } from '@notes/scheduling';
import { summarize } from './error-summary.ts';
import type { BatchOutcome } from './relay-batch.ts';

export interface RelayLoopOptions {
  /** One batch; throws when it failed (its rows stay unsent). */
  relayBatch: () => Promise<BatchOutcome>;
  /** The fallback poll when no wake-up comes. */
  pollIntervalMs: number;
  /** The pause after failed batches in a row. */
  backoff: Backoff;
  logger: Logger;
  onBatchFailed: () => void;
}

export interface RelayLoop {
  start(): void;
  /** Ends the current pause; resolves once the batch under way has committed or rolled back. */
  stop(): Promise<void>;
  /** Something was just committed to the outbox: look now instead of at the next poll. */
  nudge(): void;
}

/**
 * Batch after batch while there is work; then a pause until a nudge or the next poll. After a
 * failed batch, a pause that grows with the failures in a row and that no nudge shortens.
 */
export function createRelayLoop(options: RelayLoopOptions): RelayLoop {
  const { relayBatch, pollIntervalMs, backoff, logger } = options;
  let running = false;
  let wakeRequested = false;
  /** Ends the current pause of the loop: set while it sleeps. */
  let interruptSleep: ((byNudge: boolean) => void) | undefined;
  let loopDone: Promise<void> = Promise.resolve();

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
        options.onBatchFailed();
        const delayMs = backoffDelay(failures, backoff);
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

  return {
    start() {
      running = true;
      wakeRequested = false;
      loopDone = loop();
    },
    stop() {
      running = false;
      interruptSleep?.(false);
      return loopDone;
    },
    nudge,
  };
}
