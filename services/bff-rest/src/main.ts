// bff-rest's entry: reads the environment, starts the HTTP server, drains it on SIGTERM/SIGINT.
import { runService } from '@notes/service-main';
import { composeBff } from './compose.ts';
import { loadBffConfig } from './config.ts';

await runService(
  {
    name: 'bff-rest',
    loadConfig: (env) => loadBffConfig({ env }),
    compose: (config, logger) => composeBff(config, { logger }),
  },
  process.env,
  process.argv.slice(2),
);
