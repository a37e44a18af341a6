import { fromBinary } from '@bufbuild/protobuf';
import { sagaCommandTypes, topics } from '@notes/contracts/names';
import { DeleteUserSchema } from '@notes/contracts/saga/v1/messages';
import {
  type ConsumedEvent,
  type DeadLetterSender,
  type EventConsumer,
  idempotentHandler,
  type KafkaConnection,
  type KafkaMetrics,
  startEventConsumer,
} from '@notes/kafka';
import type { Logger } from '@notes/logger';
import type { Pool, Transaction } from '@notes/postgres';
import type { DeleteUserCommand } from '../app/delete-user.ts';
import type { SagaCommand, TransactionScope } from '../app/ports.ts';

/** auth-service's consumer group on saga.commands, also the name of its processed_events rows. */
export const sagaCommandsGroup = 'auth-service';

/** The one command of the messaging contract that auth-service carries out. */
export const deleteUserCommandType = sagaCommandTypes.DeleteUser;

export interface SagaCommandConsumerOptions {
  pool: Pool;
  brokers: string;
  /** TLS and SASL towards the brokers. */
  connection?: KafkaConnection;
  logger: Logger;
  deadLetter: DeadLetterSender;
  /** Where the consumer reports what it consumed, its failures and its lag. */
  metrics?: KafkaMetrics;
  /** A transaction's repositories (the unit of work's): a command runs in the one that records it as processed. */
  repositories(tx: Transaction): TransactionScope;
  deleteUser(command: DeleteUserCommand, repositories: TransactionScope): Promise<void>;
  /** Called after a command's transaction committed: its reply waits in the outbox. */
  afterCommit(): void;
}

/**
 * auth-service as a saga participant: carries out saga.DeleteUser from saga.commands, once per
 * command id (its processed_events row commits with the deletion and the reply). The commands of
 * other participants are acknowledged and left alone.
 */
export function startSagaCommandConsumer(options: SagaCommandConsumerOptions): EventConsumer {
  const deleteUserOnce = idempotentHandler({ pool: options.pool, group: sagaCommandsGroup }, async (event, tx) => {
    const { userId } = fromBinary(DeleteUserSchema, event.payload);
    await options.deleteUser({ ...sagaCommandOf(event), userId }, options.repositories(tx));
  });
  return startEventConsumer({
    brokers: options.brokers,
    connection: options.connection,
    groupId: sagaCommandsGroup,
    clientId: 'auth-service',
    topics: [topics.sagaCommands],
    logger: options.logger,
    deadLetter: options.deadLetter,
    metrics: options.metrics,
    handler: async (event) => {
      if (event.type !== deleteUserCommandType) return; // another participant's command
      await deleteUserOnce(event);
      // Also after a duplicate, which committed nothing: a spare wake-up of the relay costs nothing.
      options.afterCommit();
    },
  });
}

function sagaCommandOf(event: ConsumedEvent): SagaCommand {
  // The contract puts the saga id in both; the correlation id is the one meant for replies.
  return { sagaId: event.correlationId ?? event.aggregateId, commandId: event.eventId, commandType: event.type };
}
