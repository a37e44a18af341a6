import { topics } from '@notes/kafka';
import { appendToOutbox } from '@notes/outbox';
import type { Queryable } from '@notes/postgres';
import { stepReplyEvent } from '@notes/saga';
import { v7 as uuidv7 } from 'uuid';
import type { Clock, SagaCommand, SagaReplies } from '../app/ports.ts';

export interface SagaRepliesOptions {
  /** occurred_at of every reply: the clock's now when it is recorded. */
  clock: Clock;
  /** A new event id; UUIDv7 by default (time-ordered). */
  newEventId?: () => string;
}

/**
 * Replies to saga commands written to the outbox through tx, the client of the transaction that
 * carries the command out: each becomes one outbox row on saga.replies, keyed and correlated by
 * the saga id (so one saga's messages stay in order), with a StepReply naming the command answered.
 */
export function createSagaReplies(tx: Queryable, options: SagaRepliesOptions): SagaReplies {
  const newEventId = options.newEventId ?? (() => uuidv7());
  const reply = (command: SagaCommand, outcome: { succeeded: boolean; reason?: string }) =>
    appendToOutbox(tx, topics.sagaReplies, [
      stepReplyEvent(
        {
          eventId: command.commandId,
          type: command.commandType,
          aggregateId: command.sagaId,
          correlationId: command.sagaId,
        },
        outcome,
        { eventId: newEventId(), occurredAt: options.clock.now() },
      ),
    ]);
  return {
    succeeded: (command) => reply(command, { succeeded: true }),
    failed: (command, reason) => reply(command, { succeeded: false, reason }),
  };
}
