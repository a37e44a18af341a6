import type { Logger } from '@notes/logger';
import { type Backoff, backoffDelay } from '@notes/scheduling';
import type { Consumer, Message, MessagesStream } from '@platformatic/kafka';
import { type ConsumedEvent, decodeConsumedEvent } from './consumed-event.ts';
import type { EventConsumerOptions } from './consumer-options.ts';
import { type ConsumedRecord, consumedRecord, deadLetterRecord, errorMessage } from './dlq.ts';
import type { RetryPolicy } from './retry-policy.ts';
import { inConsumeSpan } from './tracing.ts';
import { abortable, sleep } from './waits.ts';

export type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;
export type GroupMember = Consumer<Buffer, Buffer, Buffer, Buffer>;

/** One message stream of a group member. */
export interface StreamSession {
  readonly consumer: GroupMember;
  /** Set once the stream is open. */
  stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  /** Aborted when the stream ends (stop, failure): waits between retries stop, nothing more starts. */
  readonly signal: AbortSignal;
}

export interface Delivery {
  /**
   * Hands one message to the handler, retrying with backoff; dead-letters it when every attempt
   * failed or it does not decode; then commits its offset (and waits for that, unless awaitCommits
   * is false), and resolves true. When the session's signal aborts during a wait, it resolves
   * false without committing: the message is delivered again after the restart.
   */
  deliver(session: StreamSession, message: RawMessage): Promise<boolean>;
}

type DeliveryOptions = Pick<EventConsumerOptions, 'groupId' | 'handler' | 'deadLetter' | 'metrics' | 'awaitCommits'>;

interface Failure {
  error: unknown;
  attempts: number;
}

/** What every delivery of one consumer shares. */
interface DeliveryContext extends DeliveryOptions {
  policy: RetryPolicy;
  backoff: Backoff;
  logger: Logger;
  // The offset after the last message handled (or dead-lettered) here, per partition: a message
  // delivered again to this process after a rebalance is skipped instead of handled twice, out of order.
  handledUpTo: Map<string, bigint>;
  awaitCommits: boolean;
}

export function createDelivery(options: DeliveryOptions, policy: RetryPolicy, logger: Logger): Delivery {
  const context: DeliveryContext = {
    groupId: options.groupId,
    handler: options.handler,
    deadLetter: options.deadLetter,
    metrics: options.metrics,
    policy,
    backoff: { initialMs: policy.initialDelayMs, maxMs: policy.maxDelayMs },
    logger,
    handledUpTo: new Map(),
    awaitCommits: options.awaitCommits ?? true,
  };
  return { deliver: (session, message) => deliver(context, session, message) };
}

async function deliver(context: DeliveryContext, session: StreamSession, message: RawMessage): Promise<boolean> {
  const { groupId, handler, metrics, policy, logger, handledUpTo } = context;
  const key = partitionKey(message.topic, message.partition);
  const upTo = handledUpTo.get(key);
  if (upTo !== undefined && message.offset < upTo) return true;

  const source = consumedRecord(message);
  let event: ConsumedEvent | undefined;
  let failure: Failure | undefined;
  try {
    event = decodeConsumedEvent(source);
  } catch (error) {
    failure = { error, attempts: 0 };
    logger.error({ ...where(message), err: errorMessage(error) }, 'undecodable message; dead-lettering it');
  }
  metrics?.consumed(message.topic, groupId);
  if (event !== undefined) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const delivery = { ...event, attempt };
        await inConsumeSpan(delivery, groupId, () => handler(delivery));
        break;
      } catch (error) {
        reportFailedAttempt(context, message, event, attempt, error);
        if (attempt >= policy.attempts) {
          failure = { error, attempts: attempt };
          break;
        }
        if (!(await sleep(backoffDelay(attempt, context.backoff), session.signal))) return false; // stopping: redelivered later
      }
    }
  }
  if (failure !== undefined) {
    if (!(await deadLetter(context, session, message, source, failure))) return false;
  }
  handledUpTo.set(key, message.offset + 1n);
  const committed = commit(context, session, message);
  if (context.awaitCommits) await committed;
  return true;
}

/** Commits the offset after `message`; a failure is only logged. */
async function commit({ logger }: DeliveryContext, session: StreamSession, message: RawMessage): Promise<void> {
  try {
    await session.consumer.commit({
      offsets: [
        {
          topic: message.topic,
          partition: message.partition,
          offset: message.offset + 1n,
          leaderEpoch: message.leaderEpoch,
        },
      ],
    });
  } catch (error) {
    // The effects are done; the next commit on this partition covers this offset too. If there is
    // none before a restart, the message is delivered again and the idempotent handler skips it.
    logger.warn({ ...where(message), err: error }, 'committing an offset failed');
  }
}

function reportFailedAttempt(
  { groupId, metrics, policy, logger }: DeliveryContext,
  message: RawMessage,
  event: ConsumedEvent,
  attempt: number,
  error: unknown,
): void {
  metrics?.handlerFailed(message.topic, groupId);
  const log = { ...where(message), eventId: event.eventId, type: event.type, attempt, err: error };
  if (attempt >= policy.attempts) {
    logger.error(log, 'event handler failed on the last attempt; dead-lettering the message');
  } else {
    logger.warn(log, 'event handler failed; retrying');
  }
}

/** Publishes the dead letter, retrying until it is out; false when the session ended first (not committed). */
async function deadLetter(
  { groupId, metrics, logger, backoff, deadLetter: sender }: DeliveryContext,
  session: StreamSession,
  message: RawMessage,
  source: ConsumedRecord,
  failure: Failure,
): Promise<boolean> {
  const record = deadLetterRecord(source, {
    consumerGroup: groupId,
    error: failure.error,
    attempts: failure.attempts,
    failedAt: new Date(),
  });
  for (let attempt = 1; ; attempt += 1) {
    try {
      await abortable(sender.send(record), session.signal);
      metrics?.deadLettered(message.topic, groupId);
      return true;
    } catch (error) {
      if (session.signal.aborted) return false; // dead-lettered (again) after the restart
      logger.error({ ...where(message), attempt, err: error }, 'publishing a dead letter failed; retrying');
      if (!(await sleep(backoffDelay(attempt, backoff), session.signal))) return false;
    }
  }
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

export function where(message: RawMessage) {
  return { topic: message.topic, partition: message.partition, offset: message.offset.toString() };
}
