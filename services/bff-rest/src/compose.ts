import { hostname } from 'node:os';
import { type Client, createClient, type Transport } from '@connectrpc/connect';
import { AuthService } from '@notes/contracts/auth/v1';
import { Health } from '@notes/contracts/health/v1';
import { NotesService } from '@notes/contracts/notes/v1';
import { SagaService } from '@notes/contracts/saga/v1';
import { createGrpcMetrics, createGrpcTransport, type GrpcTls } from '@notes/grpc';
import { createKafkaProbe, type EventConsumer } from '@notes/kafka';
import { createLogger, type Logger } from '@notes/logger';
import { createMetricsRegistry, type DependencyWatch, startDependencyWatch } from '@notes/operations';
import { type BffApp, buildApp } from './app.ts';
import type { BffConfig } from './config.ts';
import { createOpenChangeStreams } from './http/change-streams.ts';
import { startNoteChangeSignals } from './kafka/note-change-signals.ts';

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
  /** Presents renewed certificates to the upstreams from the next connection on (SIGHUP). */
  reloadGrpcTls(tls: GrpcTls): void;
}

/** The whole BFF from its config: upstream clients, logger and HTTP app (which verifies tokens with auth-service's JWKS). */
export function composeBff(config: BffConfig, overrides: BffOverrides = {}): Bff {
  const logger = overrides.logger ?? createLogger({ service: 'bff-rest', level: config.log.level });
  const registry = createMetricsRegistry();
  const grpcMetrics = createGrpcMetrics(registry);
  // Renewed by reloadGrpcTls; each transport presents it from its next connection on.
  let grpcTls = config.grpcTls;
  const transport = (url: string) =>
    createGrpcTransport(url, {
      tls: grpcTls && (() => grpcTls as GrpcTls),
      connectTimeoutMs: config.upstreams.connectTimeoutMs,
      interceptors: [grpcMetrics.client],
    });
  const authTransport = overrides.authTransport ?? transport(config.upstreams.authUrl);
  const notesTransport = overrides.notesTransport ?? transport(config.upstreams.notesUrl);
  const sagaTransport = overrides.sagaTransport ?? transport(config.upstreams.sagaUrl);
  const healthOf = (upstream: Transport): Client<typeof Health> => createClient(Health, upstream);
  const changeStreams = createOpenChangeStreams({
    settings: config.changeStreams,
    notesClient: createClient(NotesService, notesTransport),
    timeoutMs: config.upstreams.timeoutMs,
    registry,
  });
  let app: BffApp | undefined;
  let noteChanges: EventConsumer | undefined;
  const kafkaProbe = createKafkaProbe({
    brokers: config.kafka.brokers,
    connection: config.kafka.connection,
    clientId: 'bff-rest',
  });
  let kafkaWatch: DependencyWatch | undefined;

  return {
    async start() {
      app = buildApp({
        config,
        logger,
        registry,
        authClient: createClient(AuthService, authTransport),
        notesClient: createClient(NotesService, notesTransport),
        sagaClient: createClient(SagaService, sagaTransport),
        changeStreams,
        upstreamHealth: {
          auth: healthOf(authTransport),
          notes: healthOf(notesTransport),
          saga: healthOf(sagaTransport),
        },
      });
      noteChanges = startNoteChangeSignals({
        brokers: config.kafka.brokers,
        connection: config.kafka.connection,
        groupId: `bff-rest.change-stream.${config.changeStreams.replicaId || hostname()}`,
        logger,
        onSignal: (signal) => changeStreams.signal(signal),
      });
      // A new group starts at the newest event once it has joined: a change committed before that,
      // after a stream's first read, would wait for the owner's next change without this.
      noteChanges.ready.then(
        () => {
          logger.info('change streams: following notes.events');
          changeStreams.wakeAll();
        },
        () => undefined, // stopped before it joined
      );
      // A broker outage would otherwise go unsaid: the streams just get nothing new.
      kafkaWatch = startDependencyWatch({
        dependencies: [
          {
            name: 'kafka',
            check: () => kafkaProbe.check(),
            meanwhile: 'change streams get no live changes (they catch up once it answers)',
          },
        ],
        logger,
        registry,
      });
      await app.listen({ host: config.http.host, port: config.http.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : config.http.port;
      const url = `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${port}`;
      if (config.grpcTls === undefined) {
        logger.warn(
          'gRPC to the upstreams without TLS (plaintext setting): calls are neither encrypted nor authenticated',
        );
      }
      return { port, url };
    },
    reloadGrpcTls(tls) {
      if (grpcTls === undefined) throw new Error('the upstreams are called without TLS');
      grpcTls = tls;
    },
    async stop() {
      // Closing the app ends the change streams first (their clients reconnect to another replica).
      await app?.close();
      app = undefined;
      await noteChanges?.stop();
      noteChanges = undefined;
      kafkaWatch?.stop();
      await kafkaProbe.close();
    },
  };
}
