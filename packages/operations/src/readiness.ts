/** One dependency a service talks to: check resolves while it answers, rejects otherwise. */
export interface DependencyCheck {
  /** Named in /readyz's answer when it fails ("database", "kafka"). */
  name: string;
  check: () => Promise<unknown>;
  /**
   * true: the service still serves its requests while this dependency is away (Kafka behind a
   * transactional outbox: events wait in the table), so its failure is reported as `degraded` and
   * the service stays ready. Taking the service out of rotation would turn a broker outage into
   * failed writes, the very thing the outbox prevents.
   */
  degradesOnly?: boolean;
}

export interface ReadinessReport {
  /** No dependency the service cannot serve without is failing. */
  ready: boolean;
  /** The failing dependencies the service cannot serve without, in the order given. */
  failing: string[];
  /** The failing dependencies it serves without (degradesOnly), in the order given. */
  degraded: string[];
}

export interface Readiness {
  report(): Promise<ReadinessReport>;
  isReady(): Promise<boolean>;
}

/** A probe must answer quickly either way: a check still pending after this long has failed. */
export const defaultCheckTimeoutMs = 2_000;

/** Resolves when check does within timeoutMs; rejects with its error, or a timeout's, otherwise. */
export async function answerWithin(check: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Readiness from dependency checks run side by side, each failing on a rejection or after timeoutMs. */
export function createReadiness(checks: readonly DependencyCheck[], timeoutMs = defaultCheckTimeoutMs): Readiness {
  const answers = ({ check }: DependencyCheck): Promise<boolean> =>
    answerWithin(check, timeoutMs).then(
      () => true,
      () => false,
    );
  const report = async (): Promise<ReadinessReport> => {
    const results = await Promise.all(checks.map(answers));
    const down = checks.filter((_, index) => !results[index]);
    const failing = down.filter((dependency) => !dependency.degradesOnly).map((dependency) => dependency.name);
    const degraded = down.filter((dependency) => dependency.degradesOnly).map((dependency) => dependency.name);
    return { ready: failing.length === 0, failing, degraded };
  };
  return { report, isReady: async () => (await report()).ready };
}
