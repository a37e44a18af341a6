import { fromBinary } from '@bufbuild/protobuf';
import { sagaCommandTypes, topics } from '@notes/contracts/names';
import { CreateWelcomeNoteSchema, DeleteUserNotesSchema } from '@notes/contracts/saga/v1/messages';
import {
  type ConsumedEvent,
  type DeadLetterSender,
  type EventConsumer,
  type EventHandler,
  idempotentHandler,
  type KafkaConnection,
  type KafkaMetrics,
  startEventConsumer,
} from '@notes/kafka';
import type { Logger } from '@notes/logger';
import type { Pool, Transaction } from '@notes/postgres';
import type { CreateWelcomeNote } from '../app/create-welcome-note.ts';
import type { DeleteUserNotes } from '../app/delete-user-notes.ts';
import type { SagaCommand, TransactionScope } from '../app/ports.ts';

/** notes-service's consumer group on saga.commands, also the name of its processed_events rows. */
export const sagaCommandsGroup = 'notes-service';

export interface SagaCommandConsumerOptions {
  pool: Pool;
  brokers: string;
  /** TLS and SASL towards the brokers. */
  connection?: KafkaConnection;
  logger: Logger;
  deadLetter: DeadLetterSender;
  /** Where the consumer reports what it consumed, its failures and its lag. */
  metrics?: KafkaMetrics;
  /** A transaction's scope (the unit of work's): a command runs in the one that records it as processed. */
  scope(tx: Transaction): TransactionScope;
  createWelcomeNote: CreateWelcomeNote;
  deleteUserNotes: DeleteUserNotes;
  /** Called after a command's transaction committed: its reply waits in the outbox. */
  afterCommit(): void;
}

/**
 * notes-service as a saga participant: carries out saga.CreateWelcomeNote and saga.DeleteUserNotes
 * from saga.commands, once per command id (its processed_events row commits with the effect and the
 * reply). The commands of other participants are acknowledged and left alone.
 */
export function startSagaCommandConsumer(options: SagaCommandConsumerOptions): EventConsumer {
  const carryOutOnce = (step: (event: ConsumedEvent, scope: TransactionScope) => Promise<void>): EventHandler =>
    idempotentHandler({ pool: options.pool, group: sagaCommandsGroup }, (event, tx) => step(event, options.scope(tx)));
  const handlers = new Map<string, EventHandler>([
    [
      sagaCommandTypes.CreateWelcomeNote,
      carryOutOnce((event, scope) => {
        const { userId } = fromBinary(CreateWelcomeNoteSchema, event.payload);
        return options.createWelcomeNote({ ...sagaCommandOf(event), userId }, scope);
      }),
    ],
    [
      sagaCommandTypes.DeleteUserNotes,
      carryOutOnce((event, scope) => {
        const { userId } = fromBinary(DeleteUserNotesSchema, event.payload);
        return options.deleteUserNotes({ ...sagaCommandOf(event), userId }, scope);
      }),
    ],
  ]);

  return startEventConsumer({
    brokers: options.brokers,
    connection: options.connection,
    groupId: sagaCommandsGroup,
    clientId: 'notes-service',
    topics: [topics.sagaCommands],
    logger: options.logger,
    deadLetter: options.deadLetter,
    metrics: options.metrics,
    handler: async (event) => {
      const handle = handlers.get(event.type);
      if (handle === undefined) return; // another participant's command
      await handle(event);
      // Also after a duplicate, which committed nothing: a spare wake-up of the relay costs nothing.
      options.afterCommit();
    },
  });
}

function sagaCommandOf(event: ConsumedEvent): SagaCommand {
  // The contract puts the saga id in both; the correlation id is the one meant for replies.
  return { sagaId: event.correlationId ?? event.aggregateId, commandId: event.eventId, commandType: event.type };
}
