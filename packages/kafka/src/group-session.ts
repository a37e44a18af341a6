import type { Logger } from '@notes/logger';
import { type Backoff, backoffDelay } from '@notes/scheduling';
import { Consumer, type MessagesStream } from '@platformatic/kafka';
import { defaultGroupProtocol, type EventConsumerOptions, type GroupProtocol } from './consumer-options.ts';
import { type Delivery, type GroupMember, type StreamSession, where } from './delivery.ts';
import { createPartitionLanes } from './partition-lanes.ts';
import { sleep } from './waits.ts';

/** Between restarts of a stream or of a member. */
export const restartBackoff: Backoff = { initialMs: 500, maxMs: 30_000 };
const maxStreamFailuresPerMember = 5;
/** A stream or member that worked this long before failing counts as a first failure again. */
export const healthyAfterMs = 60_000;

export interface GroupSessionOptions {
  options: EventConsumerOptions;
  brokers: string[];
  maxBuffered: number;
  delivery: Delivery;
  logger: Logger;
  /** Aborted by stop(). */
  stopping: AbortSignal;
  /** The member has joined its group and knows where to read. */
  onReady: () => void;
}

export interface GroupSession {
  /** Runs one group member until stop() (resolves) or until it failed for good (throws). */
  runMember(): Promise<void>;
  /** Ends the stream being read, if any (stop()). */
  endStream(): void;
}

/**
 * The consumer's membership of its group: connecting, subscribing to the topics, and reading one
 * message stream after another into partition lanes. A failed stream (a fetch that kept failing
 * while a broker was away) is replaced by a new one on the same member, which rejoins with its
 * member id instead of waiting for a ghost of itself to time out; after repeated failures, or when
 * the member itself failed, the member is closed and runMember throws: the caller starts a new one.
 */
export function createGroupSession(session: GroupSessionOptions): GroupSession {
  const current: CurrentStream = { end: undefined };
  return {
    runMember: () => runMember(session, current),
    endStream: () => current.end?.(),
  };
}

/** How to end the stream being read, set while there is one. */
interface CurrentStream {
  end: ((error?: unknown) => void) | undefined;
}

function joinGroup({ options, brokers, maxBuffered }: GroupSessionOptions): GroupMember {
  // The consumer protocol takes its session timeout and heartbeat interval from the broker; the
  // client still checks a rebalance timeout against its own default session timeout (60 s), so one
  // of ours (10 s in the tests) would make every new member throw before it joined.
  const protocol =
    groupProtocolOf(options) === 'consumer'
      ? { groupProtocol: 'consumer' as const }
      : {
          sessionTimeout: options.sessionTimeoutMs ?? 10_000,
          heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
          ...(options.rebalanceTimeoutMs === undefined ? {} : { rebalanceTimeout: options.rebalanceTimeoutMs }),
        };
  return new Consumer({
    clientId: options.clientId,
    bootstrapBrokers: brokers,
    ...options.connection,
    groupId: options.groupId,
    autocommit: false,
    highWaterMark: Math.max(16, maxBuffered),
    ...protocol,
    ...(options.maxWaitTimeMs === undefined ? {} : { maxWaitTime: options.maxWaitTimeMs }),
  });
}

async function runMember(session: GroupSessionOptions, current: CurrentStream): Promise<void> {
  const { options, logger, stopping } = session;
  const consumer = joinGroup(session);
  const memberFailed = Promise.withResolvers<{ error: unknown }>();
  // Emitted when rejoining the group failed for good; without a listener it would crash the process.
  consumer.on('error', (error: unknown) => memberFailed.resolve({ error }));
  consumer.on('consumer:heartbeat:stalled', (payload) =>
    logger.warn({ stalledForMs: payload.stalledFor, err: payload.lastError }, 'Kafka group heartbeats are stalled'),
  );
  let memberError: { error: unknown } | undefined;
  void memberFailed.promise.then((failure) => {
    memberError = failure;
  });
  const stopWatchingLag = options.metrics?.watchLag(options.groupId, async () =>
    consumer.isActive() ? consumer.getLag({ topics: [...options.topics] }) : undefined,
  );
  try {
    for (let failures = 0; !stopping.aborted; ) {
      const startedAt = Date.now();
      try {
        await runStream(session, current, consumer, memberFailed.promise);
      } catch (error) {
        failures = Date.now() - startedAt > healthyAfterMs ? 1 : failures + 1;
        if (memberError !== undefined || failures >= maxStreamFailuresPerMember) throw error;
        logger.error({ err: error, failures }, 'reading from Kafka failed; resuming from the committed offsets');
        await sleep(backoffDelay(failures, restartBackoff), stopping);
      }
    }
  } finally {
    stopWatchingLag?.();
    await consumer.close(true).catch((error: unknown) => logger.warn({ err: error }, 'leaving the Kafka group failed'));
  }
}

/** One message stream of consumer, until stop() or a failure (thrown). */
async function runStream(
  session: GroupSessionOptions,
  current: CurrentStream,
  consumer: GroupMember,
  memberFailed: Promise<{ error: unknown }>,
): Promise<void> {
  const { options, logger, stopping } = session;
  const ended = Promise.withResolvers<unknown>();
  const streamAbort = new AbortController();
  const end = (error?: unknown) => {
    streamAbort.abort();
    ended.resolve(error);
  };
  current.end = end;
  if (stopping.aborted) end();
  void memberFailed.then(({ error }) => end(error ?? new Error('the Kafka group member failed')));
  const stream: StreamSession = { consumer, stream: undefined, signal: streamAbort.signal };
  const lanes = createPartitionLanes({
    session: stream,
    maxBuffered: session.maxBuffered,
    delivery: session.delivery,
    onDeliveryError(error, message) {
      // A bug here, not in the handler: start over from the committed offsets rather than skip.
      logger.error({ err: error, ...where(message) }, 'event consumer failed on a message; restarting');
      end(error);
    },
    onReadAgain(message) {
      logger.info(
        where(message),
        'a rebalance moved partitions under the stream; reading again from the committed offsets',
      );
      end();
    },
  });

  let consuming: Promise<MessagesStream<Buffer, Buffer, Buffer, Buffer>> | undefined;
  try {
    consuming = consumer.consume({
      topics: [...options.topics],
      mode: 'committed',
      fallbackMode: options.startAt ?? 'earliest',
      autocommit: false,
    });
    consuming.catch(() => undefined); // when the stream ends first, finally waits for it
    const messages = await Promise.race([consuming, ended.promise.then(() => undefined)]);
    if (messages !== undefined) {
      stream.stream = messages;
      whenPositioned(messages, consumer, session.onReady);
      messages.on('error', (error: unknown) => end(error));
      messages.on('close', () => end(new Error('the Kafka message stream closed')));
      messages.on('data', lanes.dispatch);
    }
    const error = await ended.promise;
    if (error !== undefined && !stopping.aborted) throw error;
  } finally {
    // Stop taking messages, drop the ones not started (they are not committed: the next reader
    // gets them), and let the ones in flight finish and commit before the stream closes.
    end();
    stream.stream?.removeListener('data', lanes.dispatch);
    stream.stream?.pause();
    await lanes.settle();
    await stream.stream
      ?.close()
      .catch((error: unknown) => logger.warn({ err: error }, 'closing the Kafka message stream failed'));
    // Under the consumer protocol a join still pending when the stream ended settles before the
    // member may close (its retries end within seconds): closing such a member mid-join makes
    // @platformatic/kafka 2.12 rejoin at once, synchronously, until the process runs out of stack.
    if (stream.stream === undefined && groupProtocolOf(options) === 'consumer') {
      await consuming?.then((late) => late.close()).catch(() => undefined);
    }
  }
}

/**
 * Calls onReady once messages has taken its position on the partitions the group gave the member
 * (none is a position too). Under the consumer protocol the stream can report its offsets before
 * the broker's first assignment ("no assignment yet"); ready then would let a group starting at
 * 'latest' take its position after what was published in between.
 */
function whenPositioned(
  messages: MessagesStream<Buffer, Buffer, Buffer, Buffer>,
  consumer: GroupMember,
  onReady: () => void,
): void {
  const positioned = () => {
    if (consumer.assignments === null) return;
    messages.off('offsets', positioned);
    onReady();
  };
  messages.on('offsets', positioned);
}

function groupProtocolOf(options: EventConsumerOptions): GroupProtocol {
  return options.groupProtocol ?? defaultGroupProtocol;
}
