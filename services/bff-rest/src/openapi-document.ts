import { join } from 'node:path';
import { createClient, createRouterTransport } from '@connectrpc/connect';
import { AuthService } from '@notes/contracts/auth/v1';
import { Health } from '@notes/contracts/health/v1';
import { NotesService } from '@notes/contracts/notes/v1';
import { SagaService } from '@notes/contracts/saga/v1';
import { createLogger } from '@notes/logger';
import { Registry } from 'prom-client';
import { buildApp } from './app.ts';
import { loadBffConfig } from './config.ts';
import { createOpenChangeStreams } from './http/change-streams.ts';

/** The checked-in copy of the document (`npm run openapi -w services/bff-rest` writes it). */
export const openApiFile = join(import.meta.dirname, '..', 'openapi', 'openapi.json');

/**
 * The OpenAPI document the code generates (the one GET /openapi.json serves), from an app built
 * over upstreams that serve nothing: generating it calls none of them.
 */
export async function generateOpenApiDocument(): Promise<unknown> {
  const nowhere = createRouterTransport(() => {});
  // The upstreams are in-process: no connection, so no certificates either.
  const config = loadBffConfig({ env: {}, overrides: { 'grpcTls.plaintext': true } });
  const registry = new Registry();
  const notesClient = createClient(NotesService, nowhere);
  const app = buildApp({
    config,
    logger: createLogger({ service: 'bff-rest', level: 'silent' }),
    registry,
    authClient: createClient(AuthService, nowhere),
    notesClient,
    sagaClient: createClient(SagaService, nowhere),
    changeStreams: createOpenChangeStreams({ settings: config.changeStreams, notesClient, timeoutMs: 1, registry }),
    upstreamHealth: { auth: createClient(Health, nowhere) },
  });
  try {
    await app.ready();
    return app.swagger();
  } finally {
    await app.close();
  }
}
