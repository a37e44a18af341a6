import { topics } from '@notes/contracts/names';
import { type EventHandler, handleOnce } from '@notes/kafka';
import type { Transaction } from '@notes/postgres';
import type { ConsumerHandlerOptions } from './engine-api.ts';
import { type ReceivedStepReply, readStepReply } from './messages.ts';
import { persist } from './persist.ts';
import type { SagaRuntime } from './runtime.ts';
import { startIn } from './start.ts';
import { createSagaStore } from './store.ts';
import type { Applied } from './transactions.ts';
import { applyReply } from './transitions.ts';

/**
 * The handler of a consumer on saga.replies and on the topics whose events start sagas: each event
 * is applied once per group, in the transaction of its effects.
 */
export function sagaEventHandler(runtime: SagaRuntime, { group, startFor }: ConsumerHandlerOptions): EventHandler {
  const { logger } = runtime;
  return (event) =>
    runtime.transact(async (tx, applied) => {
      if (!(await handleOnce(tx, group, event.eventId))) return;
      if (event.topic !== topics.sagaReplies) {
        const request = startFor(event);
        if (request !== undefined) await startIn(runtime, tx, request, applied);
        return;
      }
      const reply = readStepReply(event);
      if (reply === undefined) {
        logger.warn({ eventId: event.eventId, type: event.type }, 'not a saga StepReply; ignored');
        return;
      }
      await replyIn(runtime, tx, reply, applied);
    });
}

/** Moves the saga a participant's reply is for; a reply for no current command changes nothing. */
async function replyIn(
  runtime: SagaRuntime,
  tx: Transaction,
  reply: ReceivedStepReply,
  applied: Applied[],
): Promise<void> {
  const { logger } = runtime;
  const saga = await createSagaStore(tx).lock(reply.sagaId);
  if (saga === undefined || !runtime.definitions.has(saga.type)) {
    logger.warn({ sagaId: reply.sagaId, commandId: reply.commandId }, 'a reply for an unknown saga; ignored');
    return;
  }
  const transition = applyReply(saga, reply, runtime.contextFor(saga.type));
  if (transition.saga === saga) {
    // Expected after a re-send: the participant answers every copy of a command.
    logger.info({ sagaId: saga.id, commandId: reply.commandId, state: saga.state }, 'a stale saga reply; ignored');
  }
  await persist(logger, tx, saga, transition, applied);
}
