import { create, toBinary } from '@bufbuild/protobuf';
import { StepReplySchema } from '@notes/contracts/saga/v1/messages';
import { topics } from '@notes/kafka';
import { appendToOutbox } from '@notes/outbox';
import type { Queryable } from '@notes/postgres';
import { v7 as uuidv7 } from 'uuid';
import type { Clock, SagaCommand, SagaReplies } from '../app/ports.ts';

/** The envelope type of every reply on saga.replies. */
export const stepReplyType = 'saga.StepReply';

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

  function reply(command: SagaCommand, outcome: { succeeded: boolean; reason: string }): Promise<void> {
    const payload = create(StepReplySchema, {
      commandType: command.commandType,
      commandId: command.commandId,
      ...outcome,
    });
    return appendToOutbox(tx, topics.sagaReplies, [
      {
        eventId: newEventId(),
        aggregateId: command.sagaId,
        correlationId: command.sagaId,
        type: stepReplyType,
        occurredAt: options.clock.now(),
        payload: toBinary(StepReplySchema, payload),
      },
    ]);
  }

  return {
    succeeded: (command) => reply(command, { succeeded: true, reason: '' }),
    failed: (command, reason) => reply(command, { succeeded: false, reason }),
  };
}
