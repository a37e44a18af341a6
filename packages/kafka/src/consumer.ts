import type { Logger } from '@notes/logger';
import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import type { KafkaConnection } from './connection.ts';
import {
  brokerList,
  type ConsumedRecord,
  consumedRecord,
  type DeadLetterSender,
  deadLetterRecord,
  errorMessage,
} from './dlq.ts';
import { decodeEnvelope, type Event } from './envelope.ts';
import type { KafkaMetrics } from './metrics.ts';
import { inConsumeSpan } from './tracing.ts';

/** An event as a handler receives it: the decoded envelope plus where the record was read. */
export interface ConsumedEvent extends Event {
  topic: string;
  partition: number;
  offset: bigint;
  /** The record's key (the aggregate id) as text. */
  key: string | undefined;
  /** The record's headers as text; of a name given twice, the last value. */
  headers: ReadonlyMap<string, string>;
  /** 1 on the first delivery to the handler, 2 on its first retry, and so on. */
  attempt: number;
}

/** Resolves when the event is handled; throws to have it retried (and, after the last attempt, dead-lettered). */
export type EventHandler = (event: ConsumedEvent) => Promise<void>;

export interface RetryPolicy {
  /** How many times the handler runs for one message before it is dead-lettered (≥ 1). */
  attempts: number;
  /** The wait after the first failure; it doubles after each further one... */
  initialDelayMs: number;
  /** ...up to this. */
  maxDelayMs: number;
}

export const defaultRetryPolicy: Readonly<RetryPolicy> = { attempts: 5, initialDelayMs: 100, maxDelayMs: 5000 };

/** The wait after the n-th consecutive failure (n ≥ 1): initialDelayMs · 2^(n-1), capped at maxDelayMs. */
export function backoffDelay(failures: number, policy: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
}

/** The waits between the attempts of one message: attempts - 1 of them. */
export function retrySchedule(policy: RetryPolicy): number[] {
  return Array.from({ length: Math.max(0, policy.attempts - 1) }, (_, index) => backoffDelay(index + 1, policy));
}

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...defaultRetryPolicy, ...withoutUndefined(overrides) };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new Error(`retry.attempts must be an integer ≥ 1, not ${policy.attempts}`);
  }
  for (const name of ['initialDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(policy[name]) || policy[name] < 0) throw new Error(`retry.${name} must be ≥ 0`);
  }
  return policy;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A record whose value is not an EventEnvelope of the contract: dead-lettered at once, never retried. */
export class UndecodableEventError extends Error {
  override name = 'UndecodableEventError';
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Decodes a record into the event a handler receives; throws UndecodableEventError when it is not one. */
export function decodeConsumedEvent(record: ConsumedRecord, attempt = 1): ConsumedEvent {
  if (record.value === undefined || record.value.length === 0) {
    throw new UndecodableEventError('the record has no value');
  }
  let envelope: ReturnType<typeof decodeEnvelope>;
  try {
    envelope = decodeEnvelope(record.value);
  } catch (error) {
    throw new UndecodableEventError(`the value is not an EventEnvelope: ${errorMessage(error)}`);
  }
  if (!uuid.test(envelope.eventId)) throw new UndecodableEventError('the envelope has no UUID event_id');
  if (envelope.aggregateId === '') throw new UndecodableEventError('the envelope has no aggregate_id');
  if (envelope.type === '') throw new UndecodableEventError('the envelope has no type');
  const headers = new Map(record.headers.map(([name, value]) => [name, value.toString('utf8')]));
  const traceHeaders: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate']) {
    const value = headers.get(name);
    if (value !== undefined) traceHeaders[name] = value;
  }
  return {
    eventId: envelope.eventId,
    aggregateId: envelope.aggregateId,
    type: envelope.type,
    occurredAt: new Date(Number(envelope.occurredAt)),
    payload: envelope.payload,
    correlationId: envelope.correlationId === '' ? undefined : envelope.correlationId,
    traceHeaders: Object.keys(traceHeaders).length > 0 ? traceHeaders : undefined,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key?.toString('utf8'),
    headers,
    attempt,
  };
}

export interface EventConsumerOptions {
  /** "host:port" bootstrap brokers, as a list or comma-separated. */
  brokers: string | readonly string[];
  /** TLS and SASL towards the brokers (kafkaConnection of the service's settings); none by default. */
  connection?: KafkaConnection;
  /** The consumer group: one per consuming service and purpose (e.g. "notes-service.user-events"). */
  groupId: string;
  clientId: string;
  topics: readonly string[];
  handler: EventHandler;
  logger: Logger;
  retry?: Partial<RetryPolicy>;
  /** Where messages go that failed every attempt or cannot be decoded (createDeadLetterPublisher). */
  deadLetter: DeadLetterSender;
  /**
   * Where a group starts on a partition it has no committed offset for: 'earliest' (default: a new
   * group reads what the topic still holds, so nothing published before its first start is missed)
   * or 'latest'.
   */
  startAt?: 'earliest' | 'latest';
  /** Messages read ahead of the handlers, over all partitions (default 100). */
  maxBufferedMessages?: number;
  /**
   * How long the group waits for a silent member before giving its partitions to the others
   * (default 10 s, the client's own is 60 s): after a crash, its messages wait this long.
   */
  sessionTimeoutMs?: number;
  /** Default 3 s: a third of the session timeout, as Kafka recommends. */
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
  /** How long a fetch waits at the broker for new records (default 5000). */
  maxWaitTimeMs?: number;
  /** Counts messages consumed, failed attempts and dead letters, and reports the group's lag. */
  metrics?: Pick<KafkaMetrics, 'consumed' | 'handlerFailed' | 'deadLettered' | 'watchLag'>;
}

export interface EventConsumer {
  /**
   * Resolves once the consumer has joined its group and knows where to read (tests wait for it
   * before publishing); rejects only when stop() comes first. Awaiting it is optional.
   */
  ready: Promise<void>;
  /**
   * Stops reading, lets the handler call in flight finish (a retry that is waiting is abandoned: the
   * message stays uncommitted and is delivered again after the restart), commits, leaves the group
   * (its partitions move to the other members at once) and closes the connections. Idempotent.
   */
  stop(): Promise<void>;
}

type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;

interface Session {
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  /** Aborted when the stream ends (stop, failure): waits between retries stop, nothing more starts. */
  signal: AbortSignal;
}

interface Lane {
  queue: RawMessage[];
  running: Promise<void> | undefined;
}

const restartPolicy = { initialDelayMs: 500, maxDelayMs: 30_000 };
const maxStreamFailuresPerMember = 5;
/** A stream or member that worked this long before failing counts as a first failure again. */
const healthyAfterMs = 60_000;

/**
 * Consumes events of `topics` in group `groupId` and hands each to `handler`:
 *
 * - at-least-once: a message's offset is committed only after the handler succeeded or the message
 *   was dead-lettered, so a crash at any point redelivers it (handlers are idempotent: idempotentHandler);
 * - the messages of one partition (so of one aggregate) are handled one at a time, in order;
 *   partitions proceed independently, so one retrying message holds up only its own partition;
 * - a handler that throws is retried with exponential backoff up to retry.attempts times, then the
 *   message is published to `dlq` (original key, value and headers plus dlq.* headers) and the
 *   partition moves on; a value that is not an EventEnvelope is dead-lettered at once;
 * - when reading from Kafka fails (a broker away), the consumer reads again from the committed
 *   offsets, with backoff, until stop(): first with the same group member, then with a new one.
 */
export function startEventConsumer(options: EventConsumerOptions): EventConsumer {
  const policy = retryPolicy(options.retry);
  const brokers = brokerList(options.brokers);
  const maxBuffered = options.maxBufferedMessages ?? 100;
  const logger = options.logger.child({ consumerGroup: options.groupId });
  const stopping = new AbortController();
  // The offset after the last message handled (or dead-lettered) here, per partition: a message
  // delivered again to this process after a rebalance is skipped instead of handled twice, out of order.
  const handledUpTo = new Map<string, bigint>();

  const ready = Promise.withResolvers<void>();
  ready.promise.catch(() => undefined); // stop() before ready rejects it; nobody has to listen
  let isReady = false;
  const markReady = () => {
    if (isReady) return;
    isReady = true;
    ready.resolve();
  };

  let endCurrentStream: ((error?: unknown) => void) | undefined;

  /**
   * One Consumer (one group member). A failed stream (a fetch that kept failing while a broker was
   * away) is replaced by a new one on the same member, which rejoins with its member id instead of
   * waiting for a ghost of itself to time out; after repeated failures, or when the member itself
   * failed, the member is closed and the caller starts a new one.
   */
  async function runConsumer(): Promise<void> {
    const consumer = new Consumer({
      clientId: options.clientId,
      bootstrapBrokers: brokers,
      ...options.connection,
      groupId: options.groupId,
      autocommit: false,
      highWaterMark: Math.max(16, maxBuffered),
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
      ...(options.rebalanceTimeoutMs === undefined ? {} : { rebalanceTimeout: options.rebalanceTimeoutMs }),
      ...(options.maxWaitTimeMs === undefined ? {} : { maxWaitTime: options.maxWaitTimeMs }),
    });
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
      for (let failures = 0; !stopping.signal.aborted; ) {
        const startedAt = Date.now();
        try {
          await runStream(consumer, memberFailed.promise);
        } catch (error) {
          failures = Date.now() - startedAt > healthyAfterMs ? 1 : failures + 1;
          if (memberError !== undefined || failures >= maxStreamFailuresPerMember) throw error;
          logger.error({ err: error, failures }, 'reading from Kafka failed; resuming from the committed offsets');
          await sleep(backoffDelay(failures, restartPolicy), stopping.signal);
        }
      }
    } finally {
      stopWatchingLag?.();
      await consumer
        .close(true)
        .catch((error: unknown) => logger.warn({ err: error }, 'leaving the Kafka group failed'));
    }
  }

  /** One message stream of consumer, until stop() or a failure (thrown). */
  async function runStream(
    consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    memberFailed: Promise<{ error: unknown }>,
  ): Promise<void> {
    const ended = Promise.withResolvers<unknown>();
    const streamAbort = new AbortController();
    const end = (error?: unknown) => {
      streamAbort.abort();
      ended.resolve(error);
    };
    endCurrentStream = end;
    if (stopping.signal.aborted) end();
    void memberFailed.then(({ error }) => end(error ?? new Error('the Kafka group member failed')));
    const session: Session = { consumer, stream: undefined, signal: streamAbort.signal };
    const lanes = new Map<string, Lane>();
    let buffered = 0;
    let pausedForBackpressure = false;

    const dispatch = (message: RawMessage) => {
      if (streamAbort.signal.aborted) return;
      const key = partitionKey(message.topic, message.partition);
      let lane = lanes.get(key);
      if (lane === undefined) {
        lane = { queue: [], running: undefined };
        lanes.set(key, lane);
      }
      lane.queue.push(message);
      buffered += 1;
      if (buffered >= maxBuffered && !pausedForBackpressure) {
        pausedForBackpressure = true;
        session.stream?.pause();
      }
      if (lane.running === undefined) lane.running = drain(lane);
    };

    const drain = async (lane: Lane) => {
      while (!streamAbort.signal.aborted) {
        const message = lane.queue.shift();
        if (message === undefined) break;
        buffered -= 1;
        if (pausedForBackpressure && buffered <= maxBuffered / 2) {
          pausedForBackpressure = false;
          session.stream?.resume();
        }
        try {
          await handleMessage(session, message);
        } catch (error) {
          // A bug here, not in the handler: start over from the committed offsets rather than skip.
          logger.error({ err: error, ...where(message) }, 'event consumer failed on a message; restarting');
          end(error);
          break;
        }
      }
      lane.running = undefined;
    };

    try {
      const consuming = consumer.consume({
        topics: [...options.topics],
        mode: 'committed',
        fallbackMode: options.startAt ?? 'earliest',
        autocommit: false,
      });
      consuming.catch(() => undefined); // when the stream ends first, consumer.close() settles it
      const stream = await Promise.race([consuming, ended.promise.then(() => undefined)]);
      if (stream !== undefined) {
        session.stream = stream;
        stream.once('offsets', markReady);
        stream.on('error', (error: unknown) => end(error));
        stream.on('close', () => end(new Error('the Kafka message stream closed')));
        stream.on('data', dispatch);
      }
      const error = await ended.promise;
      if (error !== undefined && !stopping.signal.aborted) throw error;
    } finally {
      // Stop taking messages, drop the ones not started (they are not committed: the next reader
      // gets them), and let the ones in flight finish and commit before the stream closes.
      end();
      session.stream?.removeListener('data', dispatch);
      session.stream?.pause();
      for (const lane of lanes.values()) lane.queue.length = 0;
      await Promise.all([...lanes.values()].map((lane) => lane.running));
      await session.stream
        ?.close()
        .catch((error: unknown) => logger.warn({ err: error }, 'closing the Kafka message stream failed'));
    }
  }

  async function handleMessage(session: Session, message: RawMessage): Promise<void> {
    const key = partitionKey(message.topic, message.partition);
    if (!isAssigned(session.consumer, message.topic, message.partition)) {
      // Read before a rebalance took the partition away: its new owner reads it from the committed offset.
      return;
    }
    const upTo = handledUpTo.get(key);
    if (upTo !== undefined && message.offset < upTo) return;

    const source = consumedRecord(message);
    let event: ConsumedEvent | undefined;
    let failure: { error: unknown; attempts: number } | undefined;
    try {
      event = decodeConsumedEvent(source);
    } catch (error) {
      failure = { error, attempts: 0 };
      logger.error({ ...where(message), err: errorMessage(error) }, 'undecodable message; dead-lettering it');
    }
    const metrics = options.metrics;
    metrics?.consumed(message.topic, options.groupId);
    if (event !== undefined) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const delivery = { ...event, attempt };
          await inConsumeSpan(delivery, options.groupId, () => options.handler(delivery));
          break;
        } catch (error) {
          metrics?.handlerFailed(message.topic, options.groupId);
          const log = { ...where(message), eventId: event.eventId, type: event.type, attempt, err: error };
          if (attempt >= policy.attempts) {
            logger.error(log, 'event handler failed on the last attempt; dead-lettering the message');
            failure = { error, attempts: attempt };
            break;
          }
          logger.warn(log, 'event handler failed; retrying');
          if (!(await sleep(backoffDelay(attempt, policy), session.signal))) return; // stopping: redelivered later
        }
      }
    }
    if (failure !== undefined) {
      const record = deadLetterRecord(source, {
        consumerGroup: options.groupId,
        error: failure.error,
        attempts: failure.attempts,
        failedAt: new Date(),
      });
      for (let attempt = 1; ; attempt += 1) {
        try {
          await abortable(options.deadLetter.send(record), session.signal);
          metrics?.deadLettered(message.topic, options.groupId);
          break;
        } catch (error) {
          if (session.signal.aborted) return; // not committed: dead-lettered (again) after the restart
          logger.error({ ...where(message), attempt, err: error }, 'publishing a dead letter failed; retrying');
          if (!(await sleep(backoffDelay(attempt, policy), session.signal))) return;
        }
      }
    }
    handledUpTo.set(key, message.offset + 1n);
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

  const run = (async () => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      const startedAt = Date.now();
      try {
        await runConsumer();
      } catch (error) {
        failures = Date.now() - startedAt > healthyAfterMs ? 1 : failures + 1;
        logger.error({ err: error, failures }, 'the Kafka group member failed; starting a new one');
      }
      if (stopping.signal.aborted) break;
      await sleep(backoffDelay(Math.max(1, failures), restartPolicy), stopping.signal);
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    ready: ready.promise,
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        if (!isReady) ready.reject(new Error('the event consumer was stopped before it was ready'));
        endCurrentStream?.();
        await run;
      })();
      return stopped;
    },
  };
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

function where(message: RawMessage) {
  return { topic: message.topic, partition: message.partition, offset: message.offset.toString() };
}

function isAssigned(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>, topic: string, partition: number): boolean {
  return consumer.assignments?.some((a) => a.topic === topic && a.partitions.includes(partition)) ?? false;
}

/** Waits ms; resolves false at once when signal aborts (true when the time is up). */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** promise, or a rejection as soon as signal aborts (the promise itself goes on; its outcome is ignored). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new Error('aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
