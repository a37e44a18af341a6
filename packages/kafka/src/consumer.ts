import { backoffDelay } from '@notes/scheduling';
import type { EventConsumer, EventConsumerOptions } from './consumer-options.ts';
import { createDelivery } from './delivery.ts';
import { brokerList } from './dlq.ts';
import { createGroupSession, healthyAfterMs, restartBackoff } from './group-session.ts';
import { retryPolicy } from './retry-policy.ts';
import { sleep } from './waits.ts';

/**
 * Consumes events of `topics` in group `groupId` and hands each to `handler`:
 *
 * - at-least-once: a message's offset is committed only after the handler succeeded or the message
 *   was dead-lettered, so a crash at any point redelivers it (handlers are idempotent: idempotentHandler);
 * - the messages of one partition (so of one aggregate) are handled one at a time, in order;
 *   partitions proceed independently, so one retrying message holds up only its own partition;
 * - a rebalance skips nothing: when it moved a partition under the stream, the stream starts over
 *   from the committed offsets (read-position.ts);
 * - a handler that throws is retried with exponential backoff up to retry.attempts times, then the
 *   message is published to `dlq` (original key, value and headers plus dlq.* headers) and the
 *   partition moves on; a value that is not an EventEnvelope is dead-lettered at once;
 * - when reading from Kafka fails (a broker away), the consumer reads again from the committed
 *   offsets, with backoff, until stop(): first with the same group member, then with a new one.
 */
export function startEventConsumer(options: EventConsumerOptions): EventConsumer {
  const policy = retryPolicy(options.retry);
  const logger = options.logger.child({ consumerGroup: options.groupId });
  const stopping = new AbortController();
  const ready = Promise.withResolvers<void>();
  ready.promise.catch(() => undefined); // stop() before ready rejects it; nobody has to listen
  let isReady = false;

  const group = createGroupSession({
    options,
    brokers: brokerList(options.brokers),
    maxBuffered: options.maxBufferedMessages ?? 100,
    delivery: createDelivery(options, policy, logger),
    logger,
    stopping: stopping.signal,
    onReady() {
      if (isReady) return;
      isReady = true;
      ready.resolve();
    },
  });

  // A member that failed for good is replaced by a new one, with backoff, until stop().
  const run = (async () => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      const startedAt = Date.now();
      try {
        await group.runMember();
      } catch (error) {
        failures = Date.now() - startedAt > healthyAfterMs ? 1 : failures + 1;
        logger.error({ err: error, failures }, 'the Kafka group member failed; starting a new one');
      }
      if (stopping.signal.aborted) break;
      await sleep(backoffDelay(Math.max(1, failures), restartBackoff), stopping.signal);
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    ready: ready.promise,
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        if (!isReady) ready.reject(new Error('the event consumer was stopped before it was ready'));
        group.endStream();
        await run;
      })();
      return stopped;
    },
  };
}
