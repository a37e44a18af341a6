import type { Logger } from '@notes/logger';
import { startPeriodicJob } from '@notes/scheduling';
import { Counter, Gauge, type Registry } from 'prom-client';

/** A table that grows with use, and the purge that bounds it. docs/retention.md lists every one. */
export interface RetentionPurge {
  /** The table, as the metrics and the log name it. */
  table: string;
  /** The pause between the end of one purge and the start of the next. */
  everyMs: number;
  /** Deletes the rows past the table's retention, in short statements; resolves to how many went. */
  purge(): Promise<number>;
}

export interface RunningRetention {
  /** No purge starts after it; resolves once the purges under way have finished. */
  stop(): Promise<void>;
}

/**
 * Runs each purge every everyMs, one run of a table at a time, counting the rows deleted
 * (retention_purged_rows_total) and flagging a table whose last purge failed
 * (retention_purge_failing: 1 until a purge of it succeeds; an alert watches it). A failed purge
 * is logged and tried again at the next period.
 */
export function startRetention(
  purges: readonly RetentionPurge[],
  { logger, registry }: { logger: Logger; registry: Registry },
): RunningRetention {
  const purged = new Counter({
    name: 'retention_purged_rows_total',
    help: 'Rows deleted because they were past their retention, by table.',
    labelNames: ['table'],
    registers: [registry],
  });
  const failing = new Gauge({
    name: 'retention_purge_failing',
    help: '1 while the last purge of the table failed, else 0.',
    labelNames: ['table'],
    registers: [registry],
  });
  const jobs = purges.map(({ table, everyMs, purge }) => {
    // Series from the start: a table never purged yet reads 0, not "no data".
    purged.inc({ table }, 0);
    failing.set({ table }, 0);
    return startPeriodicJob({
      everyMs,
      async run() {
        const rows = await purge();
        purged.inc({ table }, rows);
        failing.set({ table }, 0);
        if (rows > 0) logger.info({ table, rows }, 'retention: rows past their retention deleted');
      },
      onError: (error) => {
        failing.set({ table }, 1);
        logger.warn({ err: error, table }, 'retention: purge failed; tried again at the next period');
      },
    });
  });
  return {
    async stop() {
      await Promise.all(jobs.map((job) => job.stop()));
    },
  };
}
