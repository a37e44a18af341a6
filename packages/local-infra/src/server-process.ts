import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ServerProcessOptions {
  /** Used in messages: "PostgreSQL", "Kafka". */
  name: string;
  command: string;
  args: string[];
  /** Run as this user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  env?: NodeJS.ProcessEnv;
  /** The line the server writes once it accepts clients. */
  readyLine: string;
  /** What asks the server for a quick, clean shutdown (PostgreSQL: SIGINT; Kafka: SIGTERM). */
  stopSignal: NodeJS.Signals;
  log: (line: string) => void;
}

export interface ServerProcess {
  pid: number | undefined;
  /** Resolves on the ready line; rejects when the server exits first or after timeoutMs. */
  started(timeoutMs: number): Promise<void>;
  /** stopSignal, then SIGKILL after graceMs (0: SIGKILL at once); resolves once the process is gone. */
  stop(graceMs: number): Promise<void>;
}

// setpriv (util-linux) asks the kernel to SIGKILL the server when this process dies, even by SIGKILL
// or an unhandled signal, where no 'exit' handler runs. Without it, the 'exit' handler below is all.
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));

/**
 * A server (PostgreSQL, Kafka) as a child process that never outlives this one: started behind
 * setpriv --pdeathsig (it execs the server, so the pid stays the server's), killed on 'exit' too.
 */
export function spawnServerProcess(options: ServerProcessOptions): ServerProcess {
  const [command, args] = setpriv
    ? [setpriv, ['--pdeathsig', 'SIGKILL', options.command, ...options.args]]
    : [options.command, options.args];
  const child: ChildProcess = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  let stopping = false;
  let running = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      const how = `${options.name} exited (code ${code}, signal ${signal})`;
      if (running && !stopping) options.log(`${how} without being asked to`);
      resolve(how);
    });
    // No such binary: there is no 'exit' then.
    child.once('error', (error) => {
      process.off('exit', killOnExit);
      resolve(`${options.name} did not start: ${error.message}`);
    });
  });
  const readyLine = Promise.withResolvers<void>();
  // The last lines, for the error when start-up fails.
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 40) recent.shift();
      if (line.includes(options.readyLine)) readyLine.resolve();
      options.log(line);
    });
  }
  return {
    pid: child.pid,
    started: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const failed = (how: string) => new Error(`${how} while starting; its last lines:\n${recent.join('\n')}`);
      try {
        await Promise.race([
          readyLine.promise,
          exited.then((how) => Promise.reject(failed(how))),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(failed(`${options.name} was not ready after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        running = true;
      } finally {
        clearTimeout(timer);
      }
    },
    stop: async (graceMs) => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill(graceMs > 0 ? options.stopSignal : 'SIGKILL');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
