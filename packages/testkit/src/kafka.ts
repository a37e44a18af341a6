import { randomUUID } from 'node:crypto';
import { fromBinary } from '@bufbuild/protobuf';
import { type EventEnvelope, EventEnvelopeSchema } from '@notes/contracts/common/v1';
import { Consumer, stringDeserializer } from '@platformatic/kafka';

export interface ReceivedEvent {
  key: string;
  partition: number;
  offset: bigint;
  headers: Map<string, string>;
  envelope: EventEnvelope;
}

export interface EventCollector {
  received: ReceivedEvent[];
  /** Resolves once done(received) holds; rejects after timeoutMs with what arrived so far. */
  waitFor(done: (received: ReceivedEvent[]) => boolean, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface CollectEventsOptions {
  brokers: string;
  topic: string;
  /** Which messages this test cares about (topics are shared by tests running in parallel). */
  keep: (key: string) => boolean;
}

/**
 * Consumes a topic from the earliest offset in a consumer group of its own and keeps the decoded
 * envelopes of the messages whose key passes keep(), in arrival order.
 */
export async function collectEvents(options: CollectEventsOptions): Promise<EventCollector> {
  const consumer = new Consumer<string, Buffer, string, string>({
    clientId: 'test-collector',
    groupId: `test-collector-${randomUUID()}`,
    bootstrapBrokers: options.brokers.split(','),
    deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    maxWaitTime: 200,
    // Some tests stop the broker for a while: keep trying.
    retries: 1_000,
    retryDelay: 500,
  });
  const stream = await consumer.consume({ topics: [options.topic], mode: 'earliest', autocommit: false });
  const received: ReceivedEvent[] = [];
  let check: (() => void) | undefined;
  let failure: Error | undefined;
  stream.on('data', (message) => {
    if (message.key === undefined || message.key === null || !options.keep(message.key)) return;
    received.push({
      key: message.key,
      partition: message.partition,
      offset: message.offset,
      headers: message.headers,
      envelope: fromBinary(EventEnvelopeSchema, message.value),
    });
    check?.();
  });
  stream.on('error', (error) => {
    failure = error;
    check?.();
  });
  return {
    received,
    waitFor(done, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          check = undefined;
          reject(new Error(`timed out with ${received.length} messages received`));
        }, timeoutMs);
        check = () => {
          if (failure !== undefined) {
            clearTimeout(timer);
            check = undefined;
            reject(failure);
          } else if (done(received)) {
            clearTimeout(timer);
            check = undefined;
            resolve();
          }
        };
        check();
      });
    },
    async close() {
      await stream.close().catch(() => undefined);
      await consumer.close(true).catch(() => undefined);
    },
  };
}
