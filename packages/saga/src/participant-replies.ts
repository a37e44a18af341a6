import { topics } from '@notes/contracts/names';
import { appendToOutbox } from '@notes/outbox';
import type { Transaction } from '@notes/postgres';
import { v7 as uuidv7 } from 'uuid';
import { stepReplyEvent } from './messages.ts';

/** The command a participant answers: its envelope type, its event id and the saga it belongs to. */
export interface AnsweredCommand {
  commandType: string;
  commandId: string;
  sagaId: string;
}

export interface SagaRepliesOptions {
  /** occurred_at of every reply: the clock's now when it is recorded. */
  clock: { now(): Date };
  /** A new event id; UUIDv7 by default (time-ordered). */
  newEventId?: () => string;
}

/**
 * A participant's replies to saga commands, written to the outbox in tx, the transaction that
 * carries the command out: each becomes one outbox row on saga.replies (a deferred write of tx),
 * keyed and correlated by the saga id (so one saga's messages stay in order), naming the command
 * answered.
 */
export function createSagaReplies(tx: Transaction, options: SagaRepliesOptions) {
  const newEventId = options.newEventId ?? (() => uuidv7());
  const reply = async (command: AnsweredCommand, outcome: { succeeded: boolean; reason?: string }) =>
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
    succeeded: (command: AnsweredCommand) => reply(command, { succeeded: true }),
    failed: (command: AnsweredCommand, reason: string) => reply(command, { succeeded: false, reason }),
  };
}
