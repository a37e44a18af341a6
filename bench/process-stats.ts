// What the platform's processes cost, read from /proc (Linux): resident memory (VmRSS) and CPU
// time (utime + stime, plus cutime + cstime so that PostgreSQL backends that ended are counted
// in their postmaster). The processes are found in this runner's process tree, each put in a
// group by what it runs; the load generators (this process, pgbench, hello-server, Kafka's tools)
// belong to none and are never counted.
import { readdir, readFile } from 'node:fs/promises';

export type ProcessGroup = 'bff' | 'auth' | 'notes' | 'saga' | 'postgres' | 'kafka';
export const serviceGroups = ['bff', 'auth', 'notes', 'saga'] as const satisfies readonly ProcessGroup[];

const serviceDirs: Record<string, ProcessGroup> = {
  'bff-rest': 'bff',
  'auth-service': 'auth',
  'notes-service': 'notes',
  'saga-orchestrator': 'saga',
};
// Linux counts CPU time in clock ticks of 1/100 s (getconf CLK_TCK) on every platform Node runs on.
const ticksPerSecond = 100;

interface ProcessInfo {
  pid: number;
  parent: number;
  /** The process's own CPU time and that of its children it has waited for, in ticks. */
  cpuTicks: number;
  rssBytes: number;
  group: ProcessGroup | undefined;
}

async function readProcess(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const [stat, status, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
    ]);
    // The command name (field 2) may hold spaces and parentheses: the fields after it start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const field = (n: number) => Number(fields[n - 3]);
    const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return {
      pid,
      parent: field(4),
      cpuTicks: field(14) + field(15) + field(16) + field(17),
      rssBytes: rssKiB * 1024,
      group: groupOf(stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cmdline.split('\0')),
    };
  } catch {
    return undefined; // it ended while being read
  }
}

function groupOf(command: string, argv: string[]): ProcessGroup | undefined {
  if (command === 'postgres') return 'postgres';
  if (argv.includes('kafka.Kafka')) return 'kafka';
  for (const arg of argv) {
    const service = /services\/([^/]+)\/(?:src\/main\.ts|dist\/main\.js)$/.exec(arg)?.[1];
    if (service !== undefined) return serviceDirs[service];
  }
  return undefined;
}

/** Every platform process under this one, with the group it is in (PostgreSQL's backends: its postmaster's). */
async function platformProcesses(): Promise<(ProcessInfo & { group: ProcessGroup })[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const all = (await Promise.all(pids.map(readProcess))).filter((info) => info !== undefined);
  const byPid = new Map(all.map((info) => [info.pid, info]));
  const found: (ProcessInfo & { group: ProcessGroup })[] = [];
  for (const info of all) {
    // Up the tree to this process; the nearest grouped ancestor (or the process) names the group.
    let group = info.group;
    let ancestor = byPid.get(info.parent);
    while (ancestor !== undefined && ancestor.pid !== process.pid) {
      group ??= ancestor.group;
      ancestor = byPid.get(ancestor.parent);
    }
    if (ancestor?.pid === process.pid && group !== undefined) found.push({ ...info, group });
  }
  return found;
}

export type CpuSnapshot = Map<number, number>;

/** The CPU ticks of every platform process now, by pid. */
export async function cpuSnapshot(): Promise<CpuSnapshot> {
  return new Map((await platformProcesses()).map((info) => [info.pid, info.cpuTicks]));
}

export interface CpuUsage {
  totalSeconds: number;
  byGroup: Partial<Record<ProcessGroup, number>>;
}

/** CPU seconds the platform's processes used since `before`, in all and per group. */
export async function cpuSince(before: CpuSnapshot): Promise<CpuUsage> {
  const byGroup: Partial<Record<ProcessGroup, number>> = {};
  let total = 0;
  for (const info of await platformProcesses()) {
    const seconds = (info.cpuTicks - (before.get(info.pid) ?? 0)) / ticksPerSecond;
    byGroup[info.group] = (byGroup[info.group] ?? 0) + seconds;
    total += seconds;
  }
  return { totalSeconds: total, byGroup };
}

function isService(group: ProcessGroup): group is (typeof serviceGroups)[number] {
  return (serviceGroups as readonly ProcessGroup[]).includes(group);
}

/** Resident memory of each service process now, in MB (10^6 bytes, as the goals are stated). */
export async function serviceRss(): Promise<Partial<Record<ProcessGroup, number>>> {
  const rss: Partial<Record<ProcessGroup, number>> = {};
  for (const info of await platformProcesses()) {
    if (!isService(info.group)) continue;
    rss[info.group] = Math.max(rss[info.group] ?? 0, info.rssBytes / 1e6);
  }
  return rss;
}

/** Resident memory of all the processes of one group together (every replica of a service), in bytes. */
export async function groupRssBytes(group: ProcessGroup): Promise<number> {
  let bytes = 0;
  for (const info of await platformProcesses()) if (info.group === group) bytes += info.rssBytes;
  return bytes;
}

/** Samples serviceRss every intervalMs until stopped; resolves with each service's peak. */
export function samplePeakRss(intervalMs = 250): { stop(): Promise<Partial<Record<ProcessGroup, number>>> } {
  const peak: Partial<Record<ProcessGroup, number>> = {};
  const sample = async () => {
    for (const [group, mib] of Object.entries(await serviceRss()) as [ProcessGroup, number][]) {
      peak[group] = Math.max(peak[group] ?? 0, mib);
    }
  };
  let last = sample();
  const timer = setInterval(() => {
    last = last.then(sample);
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await last;
      return peak;
    },
  };
}
