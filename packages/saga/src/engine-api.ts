import type { ConsumedEvent, EventHandler } from '@notes/kafka';
import type { Logger } from '@notes/logger';
import type { Pool } from '@notes/postgres';
import type { SagaDefinition } from './definition.ts';
import type { Saga, SagaLogEntry, SagaState } from './saga.ts';
import type { SagaFilter } from './store.ts';
import type { SagaSettings } from './transitions.ts';

export interface SagaEngineOptions {
  /** The service's database, where sagaMigrations, outboxMigrations and processedEventsMigrations were applied. */
  pool: Pool;
  definitions: readonly SagaDefinition[];
  settings?: Partial<SagaSettings>;
  /** Called after each commit that wrote commands to the outbox (the outbox's afterCommit), never inside it. */
  afterCommit: () => void;
  /** Told after each commit about every saga whose state it changed (metrics). */
  onStateChange?: (change: SagaStateChange) => void;
  logger: Logger;
  clock?: { now(): Date };
  /** New saga and command ids; UUIDv7 by default. */
  newId?: () => string;
}

export interface SagaStateChange {
  saga: Saga;
  /** undefined when the saga was just started. */
  from: SagaState | undefined;
}

export interface StartSagaRequest {
  type: string;
  userId?: string | null;
  payload?: Record<string, unknown>;
}

export interface StartedSaga {
  saga: Saga;
  /** False when a unique index of the service held a saga like it already: `saga` is that one. */
  started: boolean;
}

export interface SagaWithHistory {
  saga: Saga;
  history: SagaLogEntry[];
}

export interface ConsumerHandlerOptions {
  /** The consumer group the handler serves: processed events are recorded under it. */
  group: string;
  /** The saga an event of another topic than saga.replies starts; undefined for events that start none. */
  startFor: (event: ConsumedEvent) => StartSagaRequest | undefined;
}

export interface SagaEngine {
  /** Starts a saga (its first command goes out with it), or returns the one a service's unique index says exists. */
  start(request: StartSagaRequest): Promise<StartedSaga>;
  /**
   * The handler of a consumer on saga.replies and on the topics whose events start sagas: each event
   * is applied once per group (processed_events, in the transaction of its effects). Replies that are
   * not for a current command, or not replies at all, are recorded or logged and skipped.
   */
  consumerHandler(options: ConsumerHandlerOptions): EventHandler;
  /** Throws SagaNotFound. */
  get(sagaId: string): Promise<SagaWithHistory>;
  /** Newest first. */
  list(filter: SagaFilter): Promise<Saga[]>;
  /** Resumes a FAILED saga where it stopped, with fresh attempts; SagaStateConflict in any other state. */
  retry(sagaId: string): Promise<SagaWithHistory>;
  /** Compensates a RUNNING saga; SagaStateConflict in any other state. */
  cancel(sagaId: string): Promise<SagaWithHistory>;
  /**
   * Handles up to `limit` sagas whose deadline passed (re-send, compensate or fail), each in its own
   * transaction; returns how many. Safe to run in several processes at once.
   */
  processDueSagas(limit?: number): Promise<number>;
}
