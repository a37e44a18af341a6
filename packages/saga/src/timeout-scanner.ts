import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@notes/logger';
import type { SagaEngine } from './engine-api.ts';

export interface TimeoutScannerOptions {
  engine: Pick<SagaEngine, 'processDueSagas'>;
  /** The pause between scans (default 500 ms); a scan that found a full batch is followed at once. */
  intervalMs?: number;
  /** Sagas handled per scan (default 100). */
  batchSize?: number;
  logger: Logger;
}

export interface TimeoutScanner {
  /** Stops scanning; resolves once the scan in progress is done. */
  stop(): Promise<void>;
}

/**
 * Drives the sagas' deadlines: re-sends, compensates or fails the due ones. Deadlines live in the
 * database, so after a crash or a restart every unfinished saga resumes from its stored state at
 * the next scan; scanners in several replicas share the work (FOR UPDATE SKIP LOCKED).
 */
export function startTimeoutScanner(options: TimeoutScannerOptions): TimeoutScanner {
  const intervalMs = options.intervalMs ?? 500;
  const batchSize = options.batchSize ?? 100;
  const stopping = new AbortController();
  const running = (async () => {
    while (!stopping.signal.aborted) {
      let processed = 0;
      try {
        processed = await options.engine.processDueSagas(batchSize);
      } catch (error) {
        options.logger.error({ err: error }, 'the saga timeout scan failed; trying again');
      }
      if (processed < batchSize) await sleep(intervalMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
