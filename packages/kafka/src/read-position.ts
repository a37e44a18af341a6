import type { GroupMember, RawMessage } from './delivery.ts';

/** Where a partition's lane stands in its stream: every offset below `next` is handled, here or by the group. */
export interface ReadPosition {
  next: bigint;
}

/**
 * What a lane does with its next message:
 * - `deliver` it: it is the next offset;
 * - `pass` it: it is handled already;
 * - `read-again`: the stream must start over from the group's committed offsets, because it read
 *   a partition this member no longer holds, or offsets before this one were never handled (the
 *   committed offset is first moved up to `next` where it was behind).
 *
 * Without this a rebalance can skip messages: the new owner reads a partition from the committed
 * offset, but should the partition come back before anyone committed it, @platformatic/kafka
 * (2.12) goes on from where this stream had read ahead to, past the messages it had to leave when
 * the partition went away. A fresh stream has no such position. A gap costs one request and is
 * rare; the common case costs none. Kafka may also leave offsets unused: a stream started over
 * takes them as its first position.
 */
export async function placeInSequence(
  member: GroupMember,
  position: ReadPosition,
  message: RawMessage,
): Promise<'deliver' | 'pass' | 'read-again'> {
  if (!isAssigned(member, message.topic, message.partition)) return 'read-again';
  if (message.offset === position.next) return 'deliver';
  if (message.offset < position.next) return 'pass';
  const committed = await committedOffset(member, message);
  if (committed > position.next) position.next = committed;
  if (message.offset === position.next) return 'deliver';
  if (message.offset < position.next) return 'pass';
  if (committed < position.next) {
    const { topic, partition, leaderEpoch } = message;
    await member.commit({ offsets: [{ topic, partition, offset: position.next, leaderEpoch }] });
  }
  return 'read-again';
}

/** The group's committed offset of the message's partition; -1 when it has none. */
async function committedOffset(member: GroupMember, { topic, partition }: RawMessage): Promise<bigint> {
  const committed = await member.listCommittedOffsets({ topics: [{ topic, partitions: [partition] }] });
  return committed.get(topic)?.[partition] ?? -1n;
}

function isAssigned(member: GroupMember, topic: string, partition: number): boolean {
  return member.assignments?.some((a) => a.topic === topic && a.partitions.includes(partition)) ?? false;
}
