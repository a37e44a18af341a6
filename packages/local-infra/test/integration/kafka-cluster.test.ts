import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Admin, ConfigResourceTypes, ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { freeKafkaPorts, type LocalKafka, startLocalKafka, waitUntil } from '../../src/index.ts';

const topic = 'cluster.events';

let scratch: string;
let kafka: LocalKafka | undefined;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'kafka-cluster-test-'));
  kafka = await startLocalKafka({
    dataDir: scratch,
    ...(await freeKafkaPorts(3)),
    topics: [{ name: topic, partitions: 3 }],
  });
});

after(async () => {
  await kafka?.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function minInsyncReplicas(brokers: string): Promise<string | undefined> {
  const admin = new Admin({ clientId: 'kafka-cluster-test', bootstrapBrokers: brokers.split(',') });
  try {
    const [described] = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
    });
    return described?.configs.find((config) => config.name === 'min.insync.replicas')?.value ?? undefined;
  } finally {
    await admin.close();
  }
}

test('three nodes: every partition has three replicas in sync and min.insync.replicas=2', {
  timeout: 60_000,
}, async () => {
  assert.ok(kafka);
  assert.equal(kafka.nodes.length, 3);
  assert.equal(kafka.brokers.split(',').length, 3);
  const placements = await kafka.partitions([topic]);
  assert.equal(placements.length, 3);
  for (const placement of placements) {
    assert.deepEqual([...placement.replicas].sort(), [1, 2, 3]);
    assert.deepEqual([...placement.isr].sort(), [1, 2, 3]);
  }
  assert.equal(await minInsyncReplicas(kafka.brokers), '2');
});

test('a killed leader: its partitions get another leader, acks=all sends go on, and it rejoins in sync after a restart', {
  timeout: 120_000,
}, async () => {
  assert.ok(kafka);
  const cluster = kafka;
  const [first] = await cluster.partitions([topic]);
  const victim = cluster.nodes.find((node) => node.id === first?.leader);
  assert.ok(victim);
  await victim.kill();
  await waitUntil(
    'new leaders',
    async () => (await cluster.partitions([topic])).every(({ leader }) => leader >= 0 && leader !== victim.id),
    30_000,
  );
  const producer = new Producer({
    clientId: 'kafka-cluster-test',
    bootstrapBrokers: cluster.brokers.split(','),
    serializers: stringSerializers,
    idempotent: true,
    acks: ProduceAcks.ALL,
  });
  try {
    await producer.send({ messages: [0, 1, 2].map((i) => ({ topic, key: `key-${i}`, value: 'written by two' })) });
  } finally {
    await producer.close();
  }
  await victim.start();
  await waitUntil(
    'the restarted node back in sync',
    async () => (await cluster.partitions([topic])).every(({ isr }) => isr.includes(victim.id)),
    60_000,
  );
});
