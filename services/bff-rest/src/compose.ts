import { type Client, createClient, type Transport } from '@connectrpc/connect';
import { ConfigError } from '@notes/config';
import { AuthService } from '@notes/contracts/auth/v1';
import { Health } from '@notes/contracts/health/v1';
import { NotesService } from '@notes/contracts/notes/v1';
import { SagaService } from '@notes/contracts/saga/v1';
import { createGrpcTransport } from '@notes/grpc';
import { createLogger, type Logger } from '@notes/logger';
import { type BffApp, buildApp } from './app.ts';
import type { BffConfig } from './config.ts';
import { createJwtAccessTokenVerifier } from './http/access-token.ts';

export interface BffOverrides {
  /** Stand-ins for the gRPC connections (tests serve fakes with createRouterTransport). */
  authTransport?: Transport;
  notesTransport?: Transport;
  sagaTransport?: Transport;
  logger?: Logger;
}

export interface Bff {
  /** Builds the app and listens on http.host:http.port (port 0 picks a free one). */
  start(): Promise<{ port: number; url: string }>;
  /** Stops accepting and waits for in-flight requests to finish. */
  stop(): Promise<void>;
}

/** The whole BFF from its config: upstream clients, token verifier, logger and HTTP app. */
export function composeBff(config: BffConfig, overrides: BffOverrides = {}): Bff {
  const logger = overrides.logger ?? createLogger({ service: 'bff-rest', level: config.log.level });
  const authTransport = overrides.authTransport ?? createGrpcTransport(config.upstreams.authUrl);
  const notesTransport = overrides.notesTransport ?? createGrpcTransport(config.upstreams.notesUrl);
  const sagaTransport = overrides.sagaTransport ?? createGrpcTransport(config.upstreams.sagaUrl);
  const healthOf = (transport: Transport): Client<typeof Health> => createClient(Health, transport);
  let app: BffApp | undefined;

  return {
    async start() {
      const accessTokenVerifier = await createJwtAccessTokenVerifier({
        publicKeyPem: config.jwt.publicKey,
        issuer: config.jwt.issuer,
        audience: config.jwt.audience,
      }).catch((error: unknown) => {
        throw new ConfigError(`invalid setting jwt.publicKey: ${(error as Error).message}`);
      });
      app = buildApp({
        config,
        logger,
        authClient: createClient(AuthService, authTransport),
        notesClient: createClient(NotesService, notesTransport),
        sagaClient: createClient(SagaService, sagaTransport),
        upstreamHealth: {
          auth: healthOf(authTransport),
          notes: healthOf(notesTransport),
          saga: healthOf(sagaTransport),
        },
        accessTokenVerifier,
      });
      await app.listen({ host: config.http.host, port: config.http.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : config.http.port;
      const url = `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${port}`;
      logger.info({ url }, 'bff-rest listening');
      return { port, url };
    },
    async stop() {
      await app?.close();
      app = undefined;
    },
  };
}
