// The saga messaging contract (proto/saga/v1/messages.proto): commands on saga.commands and
// replies on saga.replies, each an envelope whose aggregate id (the Kafka key) and correlation id
// are the saga id, so one saga's messages stay in order on one partition.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { sagaReplyType } from '@notes/contracts/names';
import { StepReplySchema } from '@notes/contracts/saga/v1/messages';
import type { Event } from '@notes/kafka';
import type { Saga } from './saga.ts';
import type { OutgoingCommand, StepReply } from './transitions.ts';

/** A saga's command as an event for saga.commands: its event id is the command id. */
export function commandEvent(
  saga: Pick<Saga, 'id' | 'correlationId'>,
  command: OutgoingCommand,
  occurredAt: Date,
): Event {
  return {
    eventId: command.id,
    aggregateId: saga.id,
    correlationId: saga.correlationId,
    type: command.type,
    occurredAt,
    payload: command.payload,
  };
}

/** A reply and the saga it is for. */
export interface ReceivedStepReply extends StepReply {
  sagaId: string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The reply an event of saga.replies carries; undefined when it is not a StepReply of the contract
 * (another type, a payload that does not decode, no saga id or command id), which is then ignored.
 */
export function readStepReply(event: Event): ReceivedStepReply | undefined {
  if (event.type !== sagaReplyType) return undefined;
  let reply: ReturnType<typeof fromBinary<typeof StepReplySchema>>;
  try {
    reply = fromBinary(StepReplySchema, event.payload);
  } catch {
    return undefined;
  }
  const sagaId = event.correlationId || event.aggregateId;
  if (!uuid.test(sagaId) || !uuid.test(reply.commandId)) return undefined;
  return {
    sagaId: sagaId.toLowerCase(),
    commandId: reply.commandId.toLowerCase(),
    commandType: reply.commandType,
    succeeded: reply.succeeded,
    reason: reply.reason,
  };
}

/**
 * The reply a participant publishes to a command it handled, through its own outbox in the
 * transaction of the command's effect (topic saga.replies).
 */
export function stepReplyEvent(
  command: Pick<Event, 'eventId' | 'aggregateId' | 'type' | 'correlationId'>,
  outcome: { succeeded: boolean; reason?: string },
  reply: { eventId: string; occurredAt: Date },
): Event {
  const sagaId = command.correlationId || command.aggregateId;
  const payload = create(StepReplySchema, {
    commandType: command.type,
    commandId: command.eventId,
    succeeded: outcome.succeeded,
    reason: outcome.reason ?? '',
  });
  return {
    eventId: reply.eventId,
    aggregateId: sagaId,
    correlationId: sagaId,
    type: sagaReplyType,
    occurredAt: reply.occurredAt,
    payload: toBinary(StepReplySchema, payload),
  };
}
