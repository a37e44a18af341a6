// bff-rest's entry: reads the environment, starts the HTTP server, drains it on SIGTERM/SIGINT.
import { ConfigError } from '@notes/config';
import { composeBff } from './compose.ts';
import { loadBffConfig } from './config.ts';

function fail(error: unknown): never {
  const message = error instanceof ConfigError ? error.message : `failed: ${(error as Error).stack ?? error}`;
  console.error(`bff-rest: ${message}`);
  process.exit(1);
}

try {
  const bff = composeBff(loadBffConfig({ env: process.env }));
  // `once`: a second signal while draining ends the process the default way, at once.
  const stop = () => bff.stop().then(() => process.exit(0), fail);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await bff.start();
} catch (error) {
  fail(error);
}
