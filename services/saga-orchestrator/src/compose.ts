// saga-orchestrator's application on the service skeleton (@notes/service-main, ADR 0010): the
// saga engine and its use case, the gRPC service, the events that move sagas on and the scanner
// of their deadlines.

import { topics } from '@notes/contracts/names';
import { SagaService } from '@notes/contracts/saga/v1';
import { createGrpcTransport } from '@notes/grpc';
import type { Logger } from '@notes/logger';
import { createSagaEngine, createSagaMetrics, purgeFinishedSagas, startTimeoutScanner } from '@notes/saga';
import { createGrpcService, type GrpcService, type ServiceEntry } from '@notes/service-main';
import { createStartDeleteUserSaga } from './app/start-delete-user-saga.ts';
import { createAuthAccounts } from './auth/auth-accounts.ts';
import { loadSagaConfig, type SagaConfig } from './config.ts';
import { migrateSagaDatabase } from './db/migrations.ts';
import { sagaPlans } from './domain/sagas.ts';
import { sagaServiceCallers } from './grpc/callers.ts';
import { mapSagaError } from './grpc/error-mapper.ts';
import { sagaServiceImpl } from './grpc/saga-service.ts';
import { sagaDefinition } from './kafka/saga-definitions.ts';
import { sagaStartedBy } from './kafka/saga-triggers.ts';

/** What tests (and main) may swap; everything else comes from the config. */
export interface SagaOrchestratorOverrides {
  logger?: Logger;
}

export type SagaOrchestratorInstance = GrpcService;

/** The whole saga-orchestrator for one configuration; nothing is shared between instances. */
export function composeSagaOrchestrator(
  config: SagaConfig,
  overrides: SagaOrchestratorOverrides = {},
): SagaOrchestratorInstance {
  return createGrpcService({
    name: 'saga-orchestrator',
    settings: config,
    migrations: migrateSagaDatabase,
    logger: overrides.logger,
    application: ({ pool, logger, registry, grpcMetrics, outbox, grpcClientTls }) => {
      const engine = createSagaEngine({
        pool,
        definitions: sagaPlans.map(sagaDefinition),
        settings: {
          stepTimeoutMs: config.saga.stepTimeoutMs,
          maxStepTimeoutMs: config.saga.maxStepTimeoutMs,
          maxAttempts: config.saga.maxAttempts,
        },
        afterCommit: () => outbox.afterCommit(),
        onStateChange: createSagaMetrics(registry, pool),
        logger,
      });
      const auth = createGrpcTransport(config.auth.url, { tls: grpcClientTls, interceptors: [grpcMetrics.client] });
      const startDeleteUserSaga = createStartDeleteUserSaga({
        accounts: createAuthAccounts(auth, { timeoutMs: config.auth.callTimeoutMs }),
        sagas: engine,
      });
      return {
        routes: (router) => router.service(SagaService, sagaServiceImpl({ startDeleteUserSaga, sagas: engine })),
        callers: sagaServiceCallers,
        mapError: mapSagaError,
        // One group on both topics: UserCreated starts SignUpSagas, StepReplies move sagas on.
        consumes: {
          topics: [topics.authEvents, topics.sagaReplies],
          handler: engine.consumerHandler({ group: config.kafka.consumerGroup, startFor: sagaStartedBy }),
        },
        jobs: [() => startTimeoutScanner({ engine, intervalMs: config.saga.scanIntervalMs, logger })],
        retention: [
          {
            table: 'sagas (finished)',
            everyMs: hourMs,
            purge: () => purgeFinishedSagas(pool, new Date(Date.now() - config.saga.finishedRetentionDays * dayMs)),
          },
        ],
      };
    },
  });
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** What main.ts runs: serving, or `migrate up|down`. */
export function sagaOrchestratorEntry(): ServiceEntry<SagaConfig> {
  return {
    name: 'saga-orchestrator',
    loadConfig: (env) => loadSagaConfig(env),
    compose: (config, logger) => composeSagaOrchestrator(config, { logger }),
    migrate: { loadConfig: (env) => loadSagaConfig(env), apply: migrateSagaDatabase },
  };
}
