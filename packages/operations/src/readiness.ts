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

/** Readiness from dependency checks run side by side, each failing on a rejection or after timeoutMs. */
export function createReadiness(checks: readonly DependencyCheck[], timeoutMs = defaultCheckTimeoutMs): Readiness {
  const answers = async ({ check }: DependencyCheck): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([check().then(() => true), timedOut]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  };
  const report = async (): Promise<ReadinessReport> => {
    const results = await Promise.all(checks.map(answers));
    const down = checks.filter((_, index) => !results[index]);
    const failing = down.filter((dependency) => !dependency.degradesOnly).map((dependency) => dependency.name);
    const degraded = down.filter((dependency) => dependency.degradesOnly).map((dependency) => dependency.name);
    return { ready: failing.length === 0, failing, degraded };
  };
  return { report, isReady: async () => (await report()).ready };
}
