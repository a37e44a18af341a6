import { topics } from '@notes/contracts/names';
import { type Logger, withLogFields } from '@notes/logger';
import { appendToOutbox } from '@notes/outbox';
import type { Transaction } from '@notes/postgres';
import { inSpan, linksTo, traceHeadersOf, tracingEnabled } from '@notes/telemetry';
import { type Context, context, type Link, trace } from '@opentelemetry/api';
import { commandEvent } from './messages.ts';
import type { Saga } from './saga.ts';
import { createSagaStore } from './store.ts';
import type { Applied } from './transactions.ts';
import type { Transition } from './transitions.ts';

/**
 * Where a transition's span belongs: under the message or call in hand (the default), or, for a
 * deadline, in a new trace; links name the saga's previous traced transition.
 */
export interface TraceOrigin {
  parent: Context;
  links: Link[];
}

const sagaTracer = trace.getTracer('@notes/saga');

/**
 * Writes a transition in tx: the saga row (inserted when `before` is undefined: false if a unique
 * index refused it), its history lines, and its command to the outbox, after the row (its lock).
 */
export async function persist(
  logger: Logger,
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
export async function linksToPrevious(tx: Transaction, sagaId: string): Promise<Link[]> {
  return tracingEnabled() ? linksTo(await createSagaStore(tx).traceHeaders(sagaId)) : [];
}
