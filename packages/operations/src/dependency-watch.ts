import type { Logger } from '@notes/logger';
import { Gauge, type Registry } from 'prom-client';
import { answerWithin, defaultCheckTimeoutMs } from './readiness.ts';

/** A dependency the service keeps running without, for a while at least. */
export interface WatchedDependency {
  /** As logs and the metric name it: "kafka". */
  name: string;
  /** Resolves while the dependency answers; one that takes over 2 s has not. */
  check: () => Promise<unknown>;
  /** What the service does while it is away, for the warning: "events wait in the outbox". */
  meanwhile: string;
}

export interface DependencyWatchOptions {
  dependencies: readonly WatchedDependency[];
  logger: Logger;
  registry: Registry;
  /** Between two checks of a dependency (default 5 s). */
  everyMs?: number;
  /** While one stays away, the warning again this often (default 60 s). */
  remindEveryMs?: number;
  now?: () => number;
}

export interface DependencyWatch {
  stop(): void;
}

/**
 * Checks each dependency on a schedule, so that an outage is said in the log when it begins,
 * while it lasts and when it ends, whether or not anyone asks /readyz or anything fails that
 * would say so; `dependency_up{dependency}` is 1 while it answers.
 */
export function startDependencyWatch(options: DependencyWatchOptions): DependencyWatch {
  const up = new Gauge({
    name: 'dependency_up',
    help: '1 while a dependency of the service answers its check, else 0.',
    labelNames: ['dependency'],
    registers: [options.registry],
  });
  const context = {
    logger: options.logger,
    everyMs: options.everyMs ?? 5_000,
    remindEveryMs: options.remindEveryMs ?? 60_000,
    now: options.now ?? Date.now,
    setUp: (name: string, answers: boolean) => up.set({ dependency: name }, answers ? 1 : 0),
  };
  const watches = options.dependencies.map((dependency) => watchOne(dependency, context));
  return {
    stop() {
      for (const watch of watches) watch.stop();
    },
  };
}

interface WatchContext {
  logger: Logger;
  everyMs: number;
  remindEveryMs: number;
  now: () => number;
  setUp: (name: string, answers: boolean) => void;
}

function watchOne({ name, check, meanwhile }: WatchedDependency, context: WatchContext): DependencyWatch {
  const { logger, now } = context;
  context.setUp(name, true);
  let downSince: number | undefined;
  let remindedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const observe = async () => {
    const failure = await answerWithin(check, defaultCheckTimeoutMs).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    if (stopped) return; // a check cut short by the shutdown says nothing of the dependency
    const at = now();
    context.setUp(name, failure === undefined);
    if (failure === undefined) {
      if (downSince !== undefined)
        logger.info({ dependency: name, downForMs: at - downSince }, `${name} answers again`);
      downSince = undefined;
    } else if (downSince === undefined) {
      downSince = remindedAt = at;
      logger.warn({ dependency: name, err: failure.error }, `${name} does not answer; meanwhile ${meanwhile}`);
    } else if (at - remindedAt >= context.remindEveryMs) {
      remindedAt = at;
      logger.warn(
        { dependency: name, downForMs: at - downSince },
        `${name} still does not answer; meanwhile ${meanwhile}`,
      );
    }
    timer = setTimeout(observe, context.everyMs).unref();
  };
  timer = setTimeout(observe, context.everyMs).unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
