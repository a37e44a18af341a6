import { type ConsumedEvent, type EventHandler, idempotentHandler } from '@notes/kafka';
import type { Pool, Transaction } from '@notes/postgres';
import type { OutboxWakeUp } from './unit-of-work.ts';

/** A saga command as its participant receives it: what its reply names. */
export interface ReceivedSagaCommand {
  /** The saga's id: the reply's correlation id (and Kafka key). */
  sagaId: string;
  /** The command message's event id: the reply names the attempt it answers. */
  commandId: string;
  /** The command's envelope type, e.g. "saga.DeleteUser". */
  commandType: string;
}

/**
 * Carries out one command, its protobuf message in payload, in the scope of the transaction that
 * records it as processed.
 */
export type SagaCommandHandler<Scope> = (
  command: ReceivedSagaCommand,
  payload: Uint8Array,
  scope: Scope,
) => Promise<void>;

/** The saga commands a participant answers, and the transaction scope their handlers get. */
export interface SagaCommandHandlers<Scope> {
  scopeOf(tx: Transaction): Scope;
  /** Keyed by the command's envelope type; the commands of other participants are left alone. */
  handlers: Readonly<Record<string, SagaCommandHandler<Scope>>>;
}

/**
 * The consumer's handler of saga.commands: each command this participant answers is carried out
 * once per command id (its processed_events row, its effects and its reply, written to the outbox,
 * commit in one transaction); the relay is woken after the commit. Other commands are acknowledged.
 */
export function sagaCommandsHandler<Scope>(
  declared: SagaCommandHandlers<Scope>,
  { pool, group, outbox }: { pool: Pool; group: string; outbox: OutboxWakeUp },
): EventHandler {
  // A Map, not the record: a command type such as "constructor" must not find Object's.
  const handlers = new Map<string, EventHandler>(
    Object.entries(declared.handlers).map(([type, handle]) => [
      type,
      idempotentHandler({ pool, group }, (event, tx) =>
        handle(receivedSagaCommand(event), event.payload, declared.scopeOf(tx)),
      ),
    ]),
  );
  return async (event) => {
    const handle = handlers.get(event.type);
    if (handle === undefined) return; // another participant's command
    await handle(event);
    // Also after a duplicate, which committed nothing: a spare wake-up of the relay costs nothing.
    outbox.afterCommit();
  };
}

function receivedSagaCommand(event: ConsumedEvent): ReceivedSagaCommand {
  // The contract puts the saga id in both; the correlation id is the one meant for replies.
  return { sagaId: event.correlationId ?? event.aggregateId, commandId: event.eventId, commandType: event.type };
}
