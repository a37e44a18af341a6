import { topics } from '@notes/contracts/names';
import { type ConsumedEvent, type EventHandler, handleOnce } from '@notes/kafka';
import { type Logger, withLogFields } from '@notes/logger';
import { appendToOutbox } from '@notes/outbox';
import { type Pool, type Transaction, withTransaction } from '@notes/postgres';
import { inSpan, linksTo, traceHeadersOf, tracingEnabled } from '@notes/telemetry';
import { type Context, context, type Link, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { v7 as uuidv7 } from 'uuid';
import { assertValidDefinitions, type SagaDefinition } from './definition.ts';
import { SagaNotFound } from './errors.ts';
import { commandEvent, type ReceivedStepReply, readStepReply } from './messages.ts';
import type { Saga, SagaLogEntry, SagaState } from './saga.ts';
import { createSagaStore, type SagaFilter } from './store.ts';
import {
  applyDeadline,
  applyReply,
  cancelSaga,
  defaultSagaSettings,
  retrySaga,
  type SagaSettings,
  startSaga,
  type Transition,
  type TransitionContext,
} from './transitions.ts';

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

/**
 * Where a transition's span belongs: under the message or call in hand (the default), or, for a
 * deadline, in a new trace; links name the saga's previous traced transition.
 */
interface TraceOrigin {
  parent: Context;
  links: Link[];
}

const sagaTracer = trace.getTracer('@notes/saga');

interface Applied {
  saga: Saga;
  from: SagaState | undefined;
  commandSent: boolean;
}

export function createSagaEngine(options: SagaEngineOptions): SagaEngine {
  assertValidDefinitions(options.definitions);
  const settings = checkedSettings({ ...defaultSagaSettings, ...options.settings });
  const definitions = new Map(options.definitions.map((definition) => [definition.type, definition]));
  const types = [...definitions.keys()];
  const { pool, logger } = options;
  const clock = options.clock ?? { now: () => new Date() };
  const newId = options.newId ?? (() => uuidv7());

  function contextFor(type: string): TransitionContext {
    const definition = definitions.get(type);
    if (definition === undefined) throw new Error(`unknown saga type ${type}`);
    return { definition, settings, now: clock.now(), newCommandId: newId };
  }

  /** Runs work in one transaction; after its commit, wakes the outbox relay and reports state changes. */
  async function transact<T>(work: (tx: Transaction, applied: Applied[]) => Promise<T>): Promise<T> {
    const applied: Applied[] = [];
    const result = await withTransaction(pool, (tx) => work(tx, applied));
    if (applied.some((change) => change.commandSent)) options.afterCommit();
    for (const { saga, from } of applied) {
      if (from === saga.state) continue;
      withLogFields({ correlation_id: saga.id }, () =>
        logger.info(
          { sagaId: saga.id, sagaType: saga.type, from, to: saga.state, step: saga.step, reason: saga.failureReason },
          'saga state changed',
        ),
      );
      try {
        options.onStateChange?.({ saga, from });
      } catch (error) {
        logger.error({ err: error, sagaId: saga.id }, 'the saga state change hook failed');
      }
    }
    return result;
  }

  /**
   * Writes a transition in tx: the saga row (inserted when `before` is undefined: false if a unique
   * index refused it), its history lines, and its command to the outbox, after the row (its lock).
   */
  async function persist(
    tx: Transaction,
    before: Saga | undefined,
    transition: Transition,
    applied: Applied[],
    origin: TraceOrigin = { parent: context.active(), links: [] },
  ): Promise<boolean> {
    const { saga, command } = transition;
    // A span per transition: its command's outbox row stores this span's context, so the
    // participant's work joins the trace; the saga row keeps it for a later deadline to link to.
    return inSpan(
      sagaTracer,
      `saga ${saga.type} ${saga.step ?? saga.state}`,
      {
        links: origin.links,
        attributes: {
          'saga.id': saga.id,
          'saga.type': saga.type,
          'saga.state': saga.state,
          ...(before === undefined ? {} : { 'saga.previous_state': before.state }),
          ...(saga.step === null ? {} : { 'saga.step': saga.step }),
          ...(command === undefined ? {} : { 'saga.command.type': command.type }),
        },
      },
      () =>
        withLogFields({ correlation_id: saga.id }, async () => {
          const store = createSagaStore(tx);
          const traceHeaders = traceHeadersOf();
          if (before === undefined) {
            if (!(await store.insert(saga, traceHeaders))) return false;
          } else if (saga !== before) {
            await store.update(saga, traceHeaders);
          }
          await store.appendLog(saga.id, transition.log);
          if (command !== undefined) {
            appendToOutbox(tx, topics.sagaCommands, [commandEvent(saga, command, saga.updatedAt)]);
            logger.debug({ sagaId: saga.id, commandId: command.id, type: command.type }, 'saga command written');
          }
          applied.push({ saga, from: before?.state, commandSent: command !== undefined });
          return true;
        }),
      origin.parent,
    );
  }

  /** Links to the saga's previous traced transition (read only when this process traces). */
  async function linksToPrevious(tx: Transaction, sagaId: string): Promise<Link[]> {
    return tracingEnabled() ? linksTo(await createSagaStore(tx).traceHeaders(sagaId)) : [];
  }

  async function startIn(tx: Transaction, request: StartSagaRequest, applied: Applied[]): Promise<StartedSaga> {
    const context = contextFor(request.type);
    const id = newId();
    const userId = request.userId ?? null;
    const transition = startSaga({ id, userId, payload: request.payload ?? {}, correlationId: id }, context);
    if (await persist(tx, undefined, transition, applied)) return { saga: transition.saga, started: true };
    const existing = await createSagaStore(tx).findNewestOf(request.type, userId);
    if (existing === undefined) throw new Error(`a ${request.type} conflicted with a saga that cannot be found`);
    return { saga: existing, started: false };
  }

  async function replyIn(tx: Transaction, reply: ReceivedStepReply, applied: Applied[]): Promise<void> {
    const saga = await createSagaStore(tx).lock(reply.sagaId);
    if (saga === undefined || !definitions.has(saga.type)) {
      logger.warn({ sagaId: reply.sagaId, commandId: reply.commandId }, 'a reply for an unknown saga; ignored');
      return;
    }
    const transition = applyReply(saga, reply, contextFor(saga.type));
    if (transition.saga === saga) {
      // Expected after a re-send: the participant answers every copy of a command.
      logger.info({ sagaId: saga.id, commandId: reply.commandId, state: saga.state }, 'a stale saga reply; ignored');
    }
    await persist(tx, saga, transition, applied);
  }

  async function withHistory(saga: Saga): Promise<SagaWithHistory> {
    return { saga, history: await createSagaStore(pool).history(saga.id) };
  }

  /** An operator's transition of one saga, in its own transaction. */
  async function operate(sagaId: string, decide: typeof retrySaga): Promise<SagaWithHistory> {
    const saga = await transact(async (tx, applied) => {
      const current = await createSagaStore(tx).lock(sagaId);
      if (current === undefined) throw new SagaNotFound(sagaId);
      const transition = decide(current, contextFor(current.type));
      // Under the operator's call, linked to where the saga stood.
      await persist(tx, current, transition, applied, {
        parent: context.active(),
        links: await linksToPrevious(tx, current.id),
      });
      return transition.saga;
    });
    return withHistory(saga);
  }

  return {
    start: (request) => transact((tx, applied) => startIn(tx, request, applied)),

    consumerHandler({ group, startFor }) {
      return (event) =>
        transact(async (tx, applied) => {
          if (!(await handleOnce(tx, group, event.eventId))) return;
          if (event.topic !== topics.sagaReplies) {
            const request = startFor(event);
            if (request !== undefined) await startIn(tx, request, applied);
            return;
          }
          const reply = readStepReply(event);
          if (reply === undefined) {
            logger.warn({ eventId: event.eventId, type: event.type }, 'not a saga StepReply; ignored');
            return;
          }
          await replyIn(tx, reply, applied);
        });
    },

    async get(sagaId) {
      const saga = await createSagaStore(pool).find(sagaId);
      if (saga === undefined) throw new SagaNotFound(sagaId);
      return withHistory(saga);
    },

    list: (filter) => createSagaStore(pool).list(filter),

    retry: (sagaId) => operate(sagaId, retrySaga),

    cancel: (sagaId) => operate(sagaId, cancelSaga),

    async processDueSagas(limit = 100) {
      // A saga whose transition fails (its step no longer defined, a lost connection) is left for
      // the next scan rather than retried at once, so it cannot hold up the others.
      const skipped: string[] = [];
      let processed = 0;
      while (processed + skipped.length < limit) {
        let claimed: Saga | undefined;
        try {
          const found = await transact(async (tx, applied) => {
            claimed = await createSagaStore(tx).claimDue(clock.now(), types, skipped);
            if (claimed === undefined) return false;
            // A deadline is a trace of its own, linked to the transition that set it.
            await persist(tx, claimed, applyDeadline(claimed, contextFor(claimed.type)), applied, {
              parent: ROOT_CONTEXT,
              links: await linksToPrevious(tx, claimed.id),
            });
            return true;
          });
          if (!found) break;
          processed += 1;
        } catch (error) {
          if (claimed === undefined) throw error;
          skipped.push(claimed.id);
          logger.error({ err: error, sagaId: claimed.id }, 'a due saga could not be advanced; next scan');
        }
      }
      return processed;
    },
  };
}

function checkedSettings(settings: SagaSettings): SagaSettings {
  if (!Number.isInteger(settings.maxAttempts) || settings.maxAttempts < 1) {
    throw new Error(`saga maxAttempts must be an integer ≥ 1, not ${settings.maxAttempts}`);
  }
  if (!(settings.stepTimeoutMs > 0) || !(settings.maxStepTimeoutMs >= settings.stepTimeoutMs)) {
    throw new Error('saga stepTimeoutMs must be > 0 and maxStepTimeoutMs ≥ stepTimeoutMs');
  }
  return settings;
}
