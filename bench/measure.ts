// One measured load run: its figure plus what it cost the platform's processes (CPU seconds per
// request, summed over services, PostgreSQL and Kafka) and the services' peak resident memory.
import type { LoadFigure } from './figures.ts';
import { cpuSince, cpuSnapshot, type ProcessGroup, samplePeakRss } from './process-stats.ts';

export interface MeasuredFigure extends LoadFigure {
  /** CPU milliseconds per request, every platform process together. */
  cpuMsPerRequest: number;
  /** The same by process group (bff, notes, postgres, kafka, ...). */
  cpuMsPerRequestByGroup: Partial<Record<ProcessGroup, number>>;
  /** Each service's peak resident memory during the run, MB. */
  peakRssMB: Partial<Record<ProcessGroup, number>>;
}

export async function measured(run: () => Promise<LoadFigure>): Promise<MeasuredFigure> {
  const before = await cpuSnapshot();
  const rss = samplePeakRss();
  const figure = await run();
  const [cpu, peakRssMB] = await Promise.all([cpuSince(before), rss.stop()]);
  const perRequest = (seconds: number) => round((1000 * seconds) / Math.max(1, figure.requests), 3);
  return {
    ...figure,
    cpuMsPerRequest: perRequest(cpu.totalSeconds),
    cpuMsPerRequestByGroup: Object.fromEntries(
      Object.entries(cpu.byGroup).map(([group, seconds]) => [group, perRequest(seconds)]),
    ),
    peakRssMB: Object.fromEntries(Object.entries(peakRssMB).map(([group, mb]) => [group, round(mb, 1)])),
  };
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
