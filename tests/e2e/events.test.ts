// Events end to end: what the public API does reaches Kafka through the services' outboxes,
// exactly as docs/contract/events.md says, and nothing is lost while the broker is down.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { dataOrThrow } from '@notes/api-client';
import { NoteCreatedSchema, NoteDeletedSchema, NoteUpdatedSchema, UserCreatedSchema } from '@notes/contracts/common/v1';
import { allTopics, eventTypes, topics } from '@notes/contracts/names';
import { freePort, type LocalKafka, startLocalKafka } from '@notes/local-infra';
import { collectEvents, type ReceivedEvent, testKafkaBrokers } from '@notes/testkit';
import { apiClient } from './api.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

const eventually = 15_000;
const types = (received: ReceivedEvent[]) => received.map((event) => event.envelope.type);

describe('events on the shared broker', () => {
  let platform: RunningPlatform;
  before(async () => {
    platform = await startTestPlatform();
  });
  after(async () => {
    await platform?.close();
  });

  test('a sign-up puts exactly one auth.UserCreated on auth.events, keyed by the user id', async () => {
    const api = apiClient(platform.bffUrl);
    const user = await api.signedInUser();
    const events = await collectEvents({
      brokers: testKafkaBrokers(),
      topic: topics.authEvents,
      keep: (key) => key === user.userId,
    });
    try {
      await events.waitFor((received) => received.length >= 1, eventually);
      // Long enough for a second copy to show up if the relay published twice.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(events.received.length, 1);
      const [event] = events.received as [ReceivedEvent];
      assert.equal(event.key, user.userId);
      assert.equal(event.envelope.type, eventTypes.UserCreated);
      assert.equal(event.envelope.aggregateId, user.userId);
      assert.equal(event.headers.get('event_id'), event.envelope.eventId);
      assert.equal(event.headers.get('type'), eventTypes.UserCreated);
      const payload = fromBinary(UserCreatedSchema, event.envelope.payload);
      assert.deepEqual({ userId: payload.userId, email: payload.email }, { userId: user.userId, email: user.email });
    } finally {
      await events.close();
    }
  });

  test("a note's create, update and delete reach notes.events in that order", async () => {
    const api = apiClient(platform.bffUrl);
    const user = await api.signedInUser();
    const { userId } = user;
    const { id: noteId } = dataOrThrow(await user.client.POST('/v1/notes', { body: { title: 'first' } }));
    const note = { params: { path: { id: noteId } } };
    const updated = await user.client.PUT('/v1/notes/{id}', { ...note, body: { title: 'second', content: '' } });
    assert.equal(updated.response.status, 200);
    assert.equal((await user.client.DELETE('/v1/notes/{id}', note)).response.status, 204);
    const events = await collectEvents({
      brokers: testKafkaBrokers(),
      topic: topics.notesEvents,
      keep: (key) => key === noteId,
    });
    try {
      await events.waitFor((received) => received.length >= 3, eventually);
      assert.deepEqual(types(events.received), [
        eventTypes.NoteCreated,
        eventTypes.NoteUpdated,
        eventTypes.NoteDeleted,
      ]);
      const [createdEvent, updatedEvent, deletedEvent] = events.received.map((event) => event.envelope.payload) as [
        Uint8Array,
        Uint8Array,
        Uint8Array,
      ];
      assert.equal(fromBinary(NoteCreatedSchema, createdEvent).ownerId, userId);
      assert.equal(fromBinary(NoteUpdatedSchema, updatedEvent).version, 2n);
      assert.equal(fromBinary(NoteDeletedSchema, deletedEvent).noteId, noteId);
    } finally {
      await events.close();
    }
  });
});

describe('a broker outage', () => {
  let scratch: string;
  let kafkaOptions: Parameters<typeof startLocalKafka>[0];
  let kafka: LocalKafka;
  let platform: RunningPlatform;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'notes-e2e-kafka-'));
    kafkaOptions = {
      dataDir: scratch,
      port: await freePort(),
      controllerPort: await freePort(),
      topics: allTopics.map((name) => ({
        name,
        partitions: 3,
      })),
    };
    kafka = await startLocalKafka(kafkaOptions);
    platform = await startTestPlatform({ kafkaBrokers: kafka.brokers });
  });
  after(async () => {
    await platform?.close();
    await kafka?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  test('with the broker stopped for 20 s, 200 notes are still created, every service warns of it, and all 200 NoteCreated arrive after it returns', async () => {
    const api = apiClient(platform.bffUrl);
    const { token } = await api.signedInUser();
    await kafka.stop();
    const outageEnds = Date.now() + 20_000;
    const noteIds: string[] = [];
    for (let i = 0; i < 200; i++) {
      const response = await api.call('POST', '/v1/notes', {
        token,
        body: { title: `written during the outage ${i}` },
      });
      assert.equal(response.status, 201, response.text);
      noteIds.push(response.json.id);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageEnds - Date.now())));
    // Every service says so in its log (its check every 5 s fails), not only /readyz.
    const services = ['auth', 'notes', 'saga', 'bff'];
    const warned = (service: string) =>
      platform.output.some((line) => line.startsWith(`${service}| `) && line.includes('kafka does not answer'));
    for (const deadline = Date.now() + 10_000; !services.every(warned) && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.deepEqual(
      services.filter((service) => !warned(service)),
      [],
      'services that did not warn of the outage',
    );
    kafka = await startLocalKafka(kafkaOptions);
    const wanted = new Set(noteIds);
    const events = await collectEvents({
      brokers: kafka.brokers,
      topic: topics.notesEvents,
      keep: (key) => wanted.has(key),
    });
    try {
      await events.waitFor((received) => new Set(received.map((event) => event.key)).size === wanted.size, 60_000);
      assert.ok(events.received.every((event) => event.envelope.type === eventTypes.NoteCreated));
    } finally {
      await events.close();
    }
  });
});
