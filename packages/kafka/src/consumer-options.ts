import type { Logger } from '@notes/logger';
import type { KafkaConnection } from './connection.ts';
import type { EventHandler } from './consumed-event.ts';
import type { DeadLetterSender } from './dlq.ts';
import type { KafkaMetrics } from './metrics.ts';
import type { RetryPolicy } from './retry-policy.ts';

/** The rebalance protocols of a consumer group (EventConsumerOptions.groupProtocol). */
export const groupProtocols = ['classic', 'consumer'] as const;
export type GroupProtocol = (typeof groupProtocols)[number];
/**
 * Classic, although the consumer protocol did better under churn (ADR 0017): with it, the groups
 * did not resume after a broker was paused for longer than their session.
 */
export const defaultGroupProtocol: GroupProtocol = 'classic';

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
   * The rebalance protocol (default defaultGroupProtocol): 'classic' (every join or leave stops
   * the whole group until it has rebalanced) or 'consumer' (KIP-848, Kafka 4: the broker assigns,
   * and a member that joins or leaves moves only the partitions it takes or gives up; its session
   * timeout and heartbeat interval are the broker's, group.consumer.*). ADR 0017 has the figures.
   */
  groupProtocol?: GroupProtocol;
  /**
   * 'classic' only: how long the group waits for a silent member before giving its partitions to
   * the others (default 10 s, the client's own is 60 s): after a crash, its messages wait this long.
   */
  sessionTimeoutMs?: number;
  /** 'classic' only; default 3 s: a third of the session timeout, as Kafka recommends. */
  heartbeatIntervalMs?: number;
  /** 'classic' only: how long the group waits for every member to rejoin (the client's default 102 s). */
  rebalanceTimeoutMs?: number;
  /** How long a fetch waits at the broker for new records (default 5000). */
  maxWaitTimeMs?: number;
  /**
   * Whether a partition's next message waits until this one's offset is committed (default true).
   * False for a handler that only wakes something up and may see a message twice (the BFF's
   * change-stream signals): a commit round trip per message then no longer bounds a partition's
   * rate; a commit lost in a crash only delivers its messages again.
   */
  awaitCommits?: boolean;
  /** Counts messages consumed, failed attempts and dead letters, and reports the group's lag. */
  metrics?: Pick<KafkaMetrics, 'consumed' | 'handlerFailed' | 'deadLettered' | 'watchLag'>;
}

export interface EventConsumer {
  /**
   * Resolves once the consumer has joined its group and knows where to read (tests wait for it
   * before publishing); rejects only when stop() comes first. Awaiting it is optional. Under the
   * consumer protocol a member joining a group whose partitions are all held is ready with none:
   * they move to it at their holders' next heartbeat.
   */
  ready: Promise<void>;
  /**
   * Stops reading, lets the handler call in flight finish (a retry that is waiting is abandoned: the
   * message stays uncommitted and is delivered again after the restart), commits, leaves the group
   * (its partitions move to the other members at once) and closes the connections. Idempotent.
   */
  stop(): Promise<void>;
}
