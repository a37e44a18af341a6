import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/** Where Linux puts the ports of outgoing connections when /proc does not say. */
const defaultEphemeralStart = 32768;
/** The lowest port handed out: below are the well-known and registered services people run. */
const lowestPort = 10_000;

/**
 * The first port the kernel may give an outgoing connection. A port picked by listening on port 0
 * comes from that range, and any connection opened between the pick and the listen of the server
 * that was meant to have it (the test suite opens thousands) can take it.
 */
async function ephemeralStart(): Promise<number> {
  const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '');
  const start = Number.parseInt(range.trim().split(/\s+/)[0] ?? '', 10);
  return Number.isInteger(start) && start > 0 ? start : defaultEphemeralStart;
}

/** Whether something may listen on port of 127.0.0.1 now (0: whichever port the kernel picks). */
function listenable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A TCP port that was free on 127.0.0.1 a moment ago, below the kernel's ephemeral range so that
 * no outgoing connection takes it before its server listens.
 */
export async function freePort(): Promise<number> {
  const end = await ephemeralStart();
  for (let attempt = 0; end > lowestPort && attempt < 100; attempt++) {
    const candidate = lowestPort + Math.floor(Math.random() * (end - lowestPort));
    if ((await listenable(candidate)) !== undefined) return candidate;
  }
  const any = await listenable(0);
  if (any === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return any;
}

/** count distinct TCP ports, each free on 127.0.0.1 a moment ago (for a process that listens on several). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
