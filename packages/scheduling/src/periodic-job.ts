export interface PeriodicJobOptions {
  /** The pause before each run, counted from the end of the previous one. */
  everyMs: number;
  /** The job; the next period starts only once it has settled. */
  run: () => Promise<void>;
  /** Told when a run throws; the job runs again at the next period. */
  onError: (error: unknown) => void;
}

export interface PeriodicJob {
  /** No run starts after this; resolves once a run under way has finished. */
  stop(): Promise<void>;
}

/** Runs a background job (a retention purge, say) every everyMs while the process runs, one run at a time. */
export function startPeriodicJob(options: PeriodicJobOptions): PeriodicJob {
  const { everyMs, run, onError } = options;
  let running = true;
  let current: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      current = run().catch(onError);
      void current.then(() => {
        if (running) schedule();
      });
    }, everyMs);
  };
  schedule();
  return {
    async stop() {
      running = false;
      clearTimeout(timer);
      await current;
    },
  };
}
