import type { Logger } from '@notes/logger';
import { startPeriodicJob } from '@notes/scheduling';
import type { KafkaProbe } from './probe.ts';

export interface ReachabilityLogOptions {
  /** How long the brokers must stay unreachable before the first warning (a blip is not an outage). */
  warnAfterMs: number;
  /** While they stay away, the warning again this often. */
  repeatEveryMs: number;
}

/**
 * What a service says about its brokers as probes answer or fail: a warning once they have been
 * unreachable for warnAfterMs, again every repeatEveryMs while they stay so, and a line when they
 * answer again. Kafka being away stops no RPC (events wait in the outbox), so without these lines
 * an outage would show only in /readyz.
 */
export function createReachabilityLog(logger: Logger, options: ReachabilityLogOptions) {
  let downSince: number | undefined;
  let warnedAt: number | undefined;
  let lastError: unknown;
  return {
    /** One probe's outcome at time now (ms). */
    observe(error: unknown, now: number): void {
      if (error === undefined) {
        if (warnedAt !== undefined && downSince !== undefined) {
          logger.info({ unreachableForMs: now - downSince }, 'Kafka is reachable again');
        }
        downSince = undefined;
        warnedAt = undefined;
        return;
      }
      downSince ??= now;
      lastError = error;
      const due = warnedAt === undefined ? downSince + options.warnAfterMs : warnedAt + options.repeatEveryMs;
      if (now < due) return;
      warnedAt = now;
      logger.warn(
        { unreachableForMs: now - downSince, err: lastError },
        'Kafka is unreachable; events wait in the outbox and consumers wait',
      );
    },
  };
}

export interface KafkaReachabilityWatchOptions extends Partial<ReachabilityLogOptions> {
  probe: KafkaProbe;
  logger: Logger;
  /** How often the probe asks (one metadata request); default 2 s. */
  everyMs?: number;
}

/** Probes the brokers every everyMs and logs as createReachabilityLog says; stop() ends it. */
export function watchKafkaReachability(options: KafkaReachabilityWatchOptions): { stop(): Promise<void> } {
  const log = createReachabilityLog(options.logger, {
    warnAfterMs: options.warnAfterMs ?? 10_000,
    repeatEveryMs: options.repeatEveryMs ?? 60_000,
  });
  return startPeriodicJob({
    everyMs: options.everyMs ?? 2_000,
    async run() {
      const error = await options.probe.check().then(
        () => undefined,
        (failure: unknown) => failure ?? new Error('Kafka probe failed'),
      );
      log.observe(error, Date.now());
    },
    onError: () => undefined,
  });
}
