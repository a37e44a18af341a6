import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServiceProcessOptions {
  name: string;
  /** The entry file run with this Node.js binary. */
  entry: string;
  args?: string[];
  env: Record<string, string>;
  cwd: string;
  /** Each line the process writes, with its stream. */
  onLine: (name: string, line: string, stream: 'stdout' | 'stderr') => void;
  /** Called when the process ends without having been asked to. */
  onUnexpectedExit: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface ServiceProcess {
  name: string;
  pid: number | undefined;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (tests of crash recovery). */
  kill(): Promise<void>;
  /** Resolves when the process ends, however it ends, with how it ended ("code 1", "signal SIGKILL"). */
  exited: Promise<string>;
}

/** Runs one service as a child process, its output relayed line by line. */
export function startServiceProcess(options: ServiceProcessOptions): ServiceProcess {
  const child: ChildProcess = spawn(process.execPath, [options.entry, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...options.env, PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stopping = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      if (!stopping) options.onUnexpectedExit(options.name, code, signal);
      resolve(signal === null ? `code ${code}` : `signal ${signal}`);
    });
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    const source = child[stream];
    if (source) createInterface({ input: source }).on('line', (line) => options.onLine(options.name, line, stream));
  }
  const signal = async (name: NodeJS.Signals, graceMs: number) => {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(name);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    name: options.name,
    pid: child.pid,
    stop: (graceMs = 10_000) => signal('SIGTERM', graceMs),
    kill: () => signal('SIGKILL', 0),
    exited,
  };
}
