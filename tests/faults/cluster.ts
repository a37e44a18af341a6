// The three-node Kafka cluster the fault scenarios run the platform on, and the questions they ask
// of it: which node leads the partitions in use, and is every replica back in sync.

import { allTopics } from '@notes/contracts/names';
import { freeKafkaPorts, type LocalKafka, type LocalKafkaNode, startLocalKafka, waitUntil } from '@notes/local-infra';

/** Three nodes with the platform's topics (three replicas, min.insync.replicas=2), kept in dataDir. */
export async function startThreeNodeKafka(dataDir: string): Promise<LocalKafka> {
  return startLocalKafka({
    dataDir,
    ...(await freeKafkaPorts(3)),
    topics: allTopics.map((name) => ({ name, partitions: 3 })),
  });
}

/** The node that leads the most partitions of these topics now (the one whose loss moves the most). */
export async function busiestLeader(kafka: LocalKafka, topics: readonly string[]): Promise<LocalKafkaNode> {
  const led = new Map<number, number>();
  for (const { leader } of await kafka.partitions(topics)) led.set(leader, (led.get(leader) ?? 0) + 1);
  const [id] = [...led].sort((a, b) => b[1] - a[1])[0] ?? [];
  const node = kafka.nodes.find((candidate) => candidate.id === id);
  if (node === undefined) throw new Error(`no node leads ${topics.join(', ')}`);
  return node;
}

/** Resolves once every partition of the platform's topics has a leader other than `away` (a node just lost). */
export async function ledWithout(kafka: LocalKafka, away: LocalKafkaNode, timeoutMs = 30_000): Promise<void> {
  await waitUntil(
    `leaders other than node ${away.id}`,
    async () => (await kafka.partitions(allTopics)).every(({ leader }) => leader >= 0 && leader !== away.id),
    timeoutMs,
  );
}

/** Resolves once every replica of the platform's topics is in sync again (after a node came back). */
export async function allInSync(kafka: LocalKafka, timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    'every replica in sync',
    async () =>
      (await kafka.partitions(allTopics)).every(({ replicas, isr }) => replicas.every((node) => isr.includes(node))),
    timeoutMs,
  );
}
