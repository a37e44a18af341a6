import type { Delivery, RawMessage, StreamSession } from './delivery.ts';
import { partitionKey } from './delivery.ts';
import { placeInSequence, type ReadPosition } from './read-position.ts';

/** The messages of one partition, delivered one at a time in offset order. */
interface Lane {
  queue: RawMessage[];
  running: Promise<void> | undefined;
  /** Starts at the first offset the stream read of the partition. */
  position: ReadPosition;
}

export interface PartitionLanes {
  /** The stream's 'data' listener: queues the message on its partition's lane and starts the lane if idle. */
  readonly dispatch: (message: RawMessage) => void;
  /** Drops the messages not started (uncommitted: the next reader gets them); resolves when those in flight are done. */
  settle(): Promise<void>;
}

export interface PartitionLanesOptions {
  session: StreamSession;
  /** The session's stream is paused when this many messages wait, and resumed when half of them are gone. */
  maxBuffered: number;
  delivery: Delivery;
  /** A delivery threw (a bug in the consumer, not in the handler): the stream is ended and started over. */
  onDeliveryError: (error: unknown, message: RawMessage) => void;
  /** A rebalance moved a partition under the stream: it is ended and started over from the committed offsets. */
  onReadAgain: (message: RawMessage) => void;
}

/**
 * One stream's lanes: a partition's messages are delivered one at a time, in order; partitions
 * proceed independently, so one retrying message holds up only its own partition.
 */
export function createPartitionLanes(options: PartitionLanesOptions): PartitionLanes {
  const { session, maxBuffered, delivery } = options;
  const lanes = new Map<string, Lane>();
  let buffered = 0;
  let pausedForBackpressure = false;

  const dispatch = (message: RawMessage) => {
    if (session.signal.aborted) return;
    const key = partitionKey(message.topic, message.partition);
    let lane = lanes.get(key);
    if (lane === undefined) {
      lane = { queue: [], running: undefined, position: { next: message.offset } };
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
    while (!session.signal.aborted) {
      const message = lane.queue.shift();
      if (message === undefined) break;
      buffered -= 1;
      if (pausedForBackpressure && buffered <= maxBuffered / 2) {
        pausedForBackpressure = false;
        session.stream?.resume();
      }
      try {
        const placement = await placeInSequence(session.consumer, lane.position, message);
        if (placement === 'read-again') {
          options.onReadAgain(message);
          break;
        }
        if (placement === 'deliver' && (await delivery.deliver(session, message))) {
          lane.position.next = message.offset + 1n;
        }
      } catch (error) {
        options.onDeliveryError(error, message);
        break;
      }
    }
    lane.running = undefined;
  };

  return {
    dispatch,
    async settle() {
      for (const lane of lanes.values()) lane.queue.length = 0;
      await Promise.all([...lanes.values()].map((lane) => lane.running));
    },
  };
}
