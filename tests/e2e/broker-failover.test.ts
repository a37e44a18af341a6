// The platform on three Kafka nodes (three replicas, min.insync.replicas=2, producers acks=all and
// idempotent) loses the node that leads the partitions in use: in the middle of a stream of
// sign-ups and note writes, and again while sagas wait for their replies. Every event arrives,
// in order per aggregate, and every saga completes.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { topics } from '@notes/contracts/names';
import type { LocalKafka } from '@notes/local-infra';
import { allInSync, busiestLeader, ledWithout, startThreeNodeKafka } from '../faults/cluster.ts';
import { checkDelivery, checkSignUpSagas, runWorkload, type Target } from '../faults/workload.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

let scratch: string;
let kafka: LocalKafka;
let platform: RunningPlatform;
let target: Target;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'notes-e2e-cluster-'));
  kafka = await startThreeNodeKafka(scratch);
  platform = await startTestPlatform({ kafkaBrokers: kafka.brokers });
  target = {
    bffUrl: platform.bffUrl,
    sagaGrpcUrl: platform.grpcUrl('saga'),
    grpcClientTls: platform.grpcClientTls,
    kafkaBrokers: kafka.brokers,
  };
});

after(async () => {
  await platform?.close();
  await kafka?.stop();
  await rm(scratch, { recursive: true, force: true });
});

test('the leader of auth.events and notes.events killed mid-stream: every event delivered in order, every saga completed', async () => {
  const victim = await busiestLeader(kafka, [topics.authEvents, topics.notesEvents]);
  const writing = runWorkload(target, { users: 24, updatesPerNote: 3, concurrency: 4 });
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await victim.kill();
  await ledWithout(kafka, victim);
  const written = await writing;
  assert.deepEqual(written.failures, []);
  const delivery = await checkDelivery(kafka.brokers, written.users, 60_000);
  assert.equal(delivery.lost, 0, `${delivery.lost} of ${delivery.expected} events lost`);
  assert.deepEqual(delivery.outOfOrder, []);
  const sagas = await checkSignUpSagas(
    target,
    written.users.map((user) => user.userId),
    60_000,
  );
  assert.deepEqual(sagas.unfinished, []);
  await victim.start();
  await allInSync(kafka);
});

test('the leader of saga.commands and saga.replies killed while sagas wait for their replies: every saga completes', async () => {
  await platform.stopService('notes');
  const signedUp = await runWorkload(target, { users: 5, updatesPerNote: undefined, concurrency: 5 });
  assert.deepEqual(signedUp.failures, []);
  // The orchestrator has read the UserCreated events and sent CreateWelcomeNote: the sagas wait.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const victim = await busiestLeader(kafka, [topics.sagaCommands, topics.sagaReplies]);
  await victim.kill();
  await platform.startService('notes');
  await ledWithout(kafka, victim);
  const sagas = await checkSignUpSagas(
    target,
    signedUp.users.map((user) => user.userId),
    60_000,
  );
  assert.deepEqual(sagas.unfinished, []);
  const delivery = await checkDelivery(kafka.brokers, signedUp.users, 30_000);
  assert.equal(delivery.lost, 0);
  await victim.start();
  await allInSync(kafka);
});
