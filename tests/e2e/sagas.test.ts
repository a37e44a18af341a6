// The sagas end to end, every service a process: SignUpSaga (the welcome note, its compensation)
// and DeleteUserSaga, through crashes, outages and redelivery.

import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { authorization, dataOrThrow } from '@notes/api-client';
import { topics } from '@notes/contracts/names';
import { SagaService } from '@notes/contracts/saga/v1';
import { createGrpcTransport } from '@notes/grpc';
import { createEventProducer } from '@notes/kafka';
import { collectEvents, testKafkaBrokers } from '@notes/testkit';
import { apiClient } from './api.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

const password = 'correct horse battery';

/** notes-service refusing every welcome note: a test's entry, production config has no such switch. */
const refusingNotesService = resolve(
  import.meta.dirname,
  '../../services/notes-service/test/support/main-refusing-welcome-notes.ts',
);

function sagaClient(platform: RunningPlatform) {
  return createClient(SagaService, createGrpcTransport(platform.grpcUrl('saga'), { tls: platform.grpcClientTls }));
}

/** Polls until check() returns a value, or fails after timeoutMs. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The user's SignUpSaga once it reached one of the given states. */
async function signUpSagaOf(platform: RunningPlatform, userId: string, states: string[], timeoutMs?: number) {
  const sagas = sagaClient(platform);
  return eventually(
    `the SignUpSaga of ${userId} in ${states.join('/')}`,
    async () => {
      const { sagas: found } = await sagas.listSagas({ type: 'SignUpSaga', limit: 500 });
      const saga = found.find((candidate) => candidate.userId === userId);
      return saga && states.includes(saga.state) ? saga : undefined;
    },
    timeoutMs,
  );
}

async function notesOf(platform: RunningPlatform, token: string) {
  const list = await apiClient(platform.bffUrl).client.GET('/v1/notes', { headers: authorization(token) });
  assert.equal(list.response.status, 200, JSON.stringify(list.error));
  return dataOrThrow(list).items;
}

describe('sagas', () => {
  let platform: RunningPlatform;
  before(async () => {
    platform = await startTestPlatform();
  });
  after(async () => {
    await platform?.close();
  });

  // How fast the note appears is measured by bench/ (sign-up → welcome note p50/p99), not asserted here.
  test('sign-up: the user lists exactly one welcome note, and the saga is COMPLETED', async () => {
    const user = await apiClient(platform.bffUrl).signedInUser(password);
    const notes = await eventually('the welcome note', async () => {
      const listed = await notesOf(platform, user.token);
      return listed.length > 0 ? listed : undefined;
    });
    assert.equal(notes.length, 1);
    assert.match(notes[0]?.title ?? '', /welcome/i);
    await signUpSagaOf(platform, user.userId, ['COMPLETED']);
  });

  test('the same UserCreated delivered three times: one saga, one welcome note', async () => {
    const user = await apiClient(platform.bffUrl).signedInUser(password);
    const events = await collectEvents({
      brokers: testKafkaBrokers(),
      topic: topics.authEvents,
      keep: (key) => key === user.userId,
    });
    const producer = createEventProducer({ brokers: testKafkaBrokers(), clientId: 'e2e-redelivery' });
    try {
      await events.waitFor((received) => received.length === 1, 15_000);
      const [original] = events.received;
      assert.ok(original);
      const redelivery = {
        eventId: original.envelope.eventId,
        aggregateId: original.envelope.aggregateId,
        type: original.envelope.type,
        occurredAt: new Date(Number(original.envelope.occurredAt)),
        payload: original.envelope.payload,
      };
      await producer.publish(topics.authEvents, [redelivery, redelivery]);
      await events.waitFor((received) => received.length === 3, 15_000);
      await signUpSagaOf(platform, user.userId, ['COMPLETED']);
      // Long enough for the redelivered copies to have been handled.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const { sagas } = await sagaClient(platform).listSagas({ type: 'SignUpSaga', limit: 500 });
      assert.equal(sagas.filter((saga) => saga.userId === user.userId).length, 1);
      assert.equal((await notesOf(platform, user.token)).length, 1);
    } finally {
      await producer.close();
      await events.close();
    }
  });

  test('notes-service down for 30 s during sign-ups: the sagas finish after it returns, nothing lost', async () => {
    const api = apiClient(platform.bffUrl);
    await platform.stopService('notes');
    const outageEnds = Date.now() + 30_000;
    const users = [];
    for (let i = 0; i < 5; i++) users.push(await api.signedInUser(password));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageEnds - Date.now())));
    await platform.startService('notes');
    for (const user of users) {
      await signUpSagaOf(platform, user.userId, ['COMPLETED'], 60_000);
      assert.equal((await notesOf(platform, user.token)).length, 1);
    }
  });

  test('the orchestrator killed mid-saga and restarted: the saga completes, the welcome note is made once', async () => {
    const api = apiClient(platform.bffUrl);
    await platform.stopService('notes');
    const user = await api.signedInUser(password);
    await signUpSagaOf(platform, user.userId, ['RUNNING']);
    await platform.stopService('saga', { kill: true });
    await platform.startService('notes');
    await platform.startService('saga');
    await signUpSagaOf(platform, user.userId, ['COMPLETED'], 60_000);
    assert.equal((await notesOf(platform, user.token)).length, 1);
  });

  test('account deletion: sign-in stops at once; after COMPLETED the notes and account are gone and the email is free', async () => {
    const api = apiClient(platform.bffUrl);
    const user = await api.signedInUser(password);
    dataOrThrow(await user.client.POST('/v1/notes', { body: { title: 'to be deleted' } }));
    const deletion = await user.client.DELETE('/v1/auth/me');
    assert.equal(deletion.response.status, 202, JSON.stringify(deletion.error));
    const { saga_id, status_url } = dataOrThrow(deletion);
    assert.equal(status_url, `/v1/sagas/${saga_id}`);
    const signIn = await api.client.POST('/v1/auth/sign-in', { body: { email: user.email, password } });
    assert.equal(signIn.response.status, 401);
    const saga = await eventually('the DeleteUserSaga to complete', async () => {
      const { data } = await user.client.GET('/v1/sagas/{id}', { params: { path: { id: saga_id } } });
      return data?.state === 'COMPLETED' ? data : undefined;
    });
    assert.equal(saga.type, 'DeleteUserSaga');
    assert.deepEqual(await notesOf(platform, user.token), []);
    const again = await api.client.POST('/v1/auth/sign-up', { body: { email: user.email, password } });
    assert.equal(again.response.status, 201, JSON.stringify(again.error));
    assert.notEqual(dataOrThrow(again).user_id, user.userId);
  });

  test("another user's saga is a 404", async () => {
    const api = apiClient(platform.bffUrl);
    const owner = await api.signedInUser(password);
    const stranger = await api.signedInUser(password);
    const { saga_id } = dataOrThrow(await owner.client.DELETE('/v1/auth/me'));
    const asStranger = await stranger.client.GET('/v1/sagas/{id}', { params: { path: { id: saga_id } } });
    assert.equal(asStranger.response.status, 404);
  });
});

describe('a participant that refuses', () => {
  let platform: RunningPlatform;
  before(async () => {
    platform = await startTestPlatform({ entryFiles: { notes: refusingNotesService } });
  });
  after(async () => {
    await platform?.close();
  });

  test('notes-service refusing the welcome note: the saga compensates and the user can no longer sign in', async () => {
    const api = apiClient(platform.bffUrl);
    const user = await api.signedInUser(password);
    const saga = await signUpSagaOf(platform, user.userId, ['COMPENSATED'], 30_000);
    assert.ok(saga.failureReason.length > 0);
    const signIn = await api.call('POST', '/v1/auth/sign-in', { body: { email: user.email, password } });
    assert.equal(signIn.status, 401);
  });
});
