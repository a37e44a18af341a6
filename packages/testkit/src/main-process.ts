// A service's main.ts run as its own process, as the component tests of its start-up run it.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** mainFile as its own process, with exactly this environment (nothing inherited). */
export function runMain(mainFile: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [mainFile, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The exit code and what child wrote; call it before child can exit, so nothing it writes is missed. */
export async function exitOf(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

/** The first JSON log line child writes to stdout whose msg is message (e.g. "notes-service listening"); undefined if stdout ends first. */
export async function logLine<T extends { msg: string }>(child: ChildProcess, message: string): Promise<T | undefined> {
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    const entry = JSON.parse(line) as T;
    if (entry.msg === message) return entry;
  }
  return undefined;
}
