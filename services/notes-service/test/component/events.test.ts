// The service's events on the shared broker: what the gRPC calls change reaches notes.events through
// the transactional outbox and its in-process relay, as docs/contract/events.md says; what rolls
// back never does. notes.events is shared with tests running in parallel: each test keeps only
// the messages of its own notes.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { timestampDate, timestampMs } from '@bufbuild/protobuf/wkt';
import { type Client, Code, createClient } from '@connectrpc/connect';
import { NoteCreatedSchema, NoteDeletedSchema, NoteUpdatedSchema } from '@notes/contracts/common/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import { type Note as NoteState, NotesService } from '@notes/contracts/notes/v1';
import { createGrpcTransport } from '@notes/grpc';
import { createLogger } from '@notes/logger';
import { createPool, type Pool } from '@notes/postgres';
import { type EventCollector, type ReceivedEvent, testFixture } from '@notes/testkit';
import { composeNotesService } from '../../src/compose.ts';
import { testNotesConfig } from '../support/config.ts';
import { rejection } from '../support/rejection.ts';

const topic = topics.notesEvents;
/** How long an expected event may take; far above the relay's milliseconds, so only a missing event hits it. */
const eventually = 30_000;
/** After the expected events arrived: long enough for a copy (or a stray event) to arrive too. */
const settle = 1_000;

const fixture = testFixture();

async function newDatabase(): Promise<{ url: string; pool: Pool }> {
  const database = await fixture.database('notes_events_component');
  const pool = fixture.closeAfter(
    createPool({ dsn: database.url, maxConnections: 2, applicationName: 'notes-events-test' }),
    (opened) => opened.end(),
  );
  return { url: database.url, pool };
}

/** The service in-process on a free port, with a clock that moves one second per reading; logs kept in `logged`. */
async function startService(databaseUrl: string, settings: Record<string, unknown> = {}) {
  const config = testNotesConfig(databaseUrl, settings);
  let millis = Date.parse('2026-11-23T10:00:00.000Z');
  const clock = {
    now: () => {
      millis += 1_000;
      return new Date(millis);
    },
  };
  const issuedIds: string[] = [];
  const logged: string[] = [];
  const logger = createLogger({
    service: 'notes-service',
    level: 'warn',
    destination: { write: (line) => logged.push(line) },
  });
  const newId = () => {
    const id = randomUUID();
    issuedIds.push(id);
    return id;
  };
  const service = fixture.closeAfter(composeNotesService(config, { clock, logger, newId }), (opened) => opened.stop());
  const { port } = await service.start();
  return {
    notes: createClient(NotesService, createGrpcTransport(`http://127.0.0.1:${port}`, { tls: undefined })),
    issuedIds,
    logged,
  };
}

/** notes.events from the earliest offset in a consumer group of its own, keeping the messages of these notes. */
function collect(noteIds: Iterable<string>): Promise<EventCollector> {
  const wanted = new Set(noteIds);
  return fixture.collect(topic, (key) => wanted.has(key));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The outbox rows of one note, in seq order. */
async function outboxRowsOf(pool: Pool, noteId: string) {
  const { rows } = await pool.query<{ id: string; type: string; sent_at: Date | null }>(
    'SELECT id, type, sent_at FROM outbox WHERE aggregate_id = $1 ORDER BY seq',
    [noteId],
  );
  return rows;
}

/** The note's state as a note message and NoteCreated/NoteUpdated share it. */
function stateOf(note: Omit<NoteState, '$typeName' | 'id' | 'noteId' | 'ownerId'>) {
  const { title, content, tags, pinned, archived, version, createdAt, updatedAt } = note;
  return { title, content, tags, pinned, archived, version, createdAt, updatedAt };
}

/** Checks what every message of the contract carries: key, ids, headers, no correlation id. */
function assertContractMessage(message: ReceivedEvent, noteId: string): void {
  assert.equal(message.key, noteId, 'key = the note id');
  assert.equal(message.envelope.aggregateId, noteId);
  assert.match(message.envelope.eventId, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(message.headers.get('event_id'), message.envelope.eventId);
  assert.equal(message.headers.get('type'), message.envelope.type);
  assert.equal(message.envelope.correlationId, '');
  assert.equal(message.headers.has('correlation_id'), false);
}

describe('notes-service events on notes.events', () => {
  let db: { url: string; pool: Pool };
  let service: Awaited<ReturnType<typeof startService>>;
  let notes: Client<typeof NotesService>;

  before(async () => {
    db = await newDatabase();
    service = await startService(db.url);
    notes = service.notes;
  });

  test("create, update and delete each publish exactly one matching event; one note's arrive in that order", {
    timeout: 60_000,
  }, async () => {
    const ownerId = randomUUID();
    const { note: created } = await notes.createNote({ ownerId, title: 'first', content: 'a', tags: ['Work'] });
    assert.ok(created?.createdAt);
    const ref = { ownerId, noteId: created.id };
    const { note: updated } = await notes.updateNote({
      ...ref,
      title: 'second',
      content: 'b',
      tags: ['home', 'work'],
      pinned: true,
      archived: true,
      expectedVersion: 1n,
    });
    assert.ok(updated?.updatedAt);
    await notes.deleteNote(ref);
    // A second note of the same owner, created and updated between nothing: its events are its own.
    const { note: other } = await notes.createNote({ ownerId, title: 'other' });
    assert.ok(other);
    const { rows } = await db.pool.query<{ deleted_at: Date }>('SELECT deleted_at FROM notes WHERE id = $1', [
      created.id,
    ]);
    const deletedAt = rows[0]?.deleted_at;
    assert.ok(deletedAt);

    const collector = await collect([created.id, other.id]);
    await collector.waitFor((received) => received.length >= 4, eventually);
    await sleep(settle);

    const ofNote = collector.received.filter((message) => message.key === created.id);
    assert.deepEqual(
      ofNote.map((message) => message.envelope.type),
      [eventTypes.NoteCreated, eventTypes.NoteUpdated, eventTypes.NoteDeleted],
      'one of each, in commit order, no copies',
    );
    for (const message of ofNote) assertContractMessage(message, created.id);
    const [createdMessage, updatedMessage, deletedMessage] = ofNote as [ReceivedEvent, ReceivedEvent, ReceivedEvent];
    assert.equal(new Set(ofNote.map((message) => message.partition)).size, 1, 'one partition for one note');

    const createdEvent = fromBinary(NoteCreatedSchema, createdMessage.envelope.payload);
    assert.deepEqual({ noteId: createdEvent.noteId, ownerId: createdEvent.ownerId }, { noteId: created.id, ownerId });
    assert.deepEqual(stateOf(createdEvent), stateOf(created), 'NoteCreated carries the whole note');
    assert.equal(createdMessage.envelope.occurredAt, BigInt(timestampMs(created.createdAt)));

    const updatedEvent = fromBinary(NoteUpdatedSchema, updatedMessage.envelope.payload);
    assert.deepEqual(
      { noteId: updatedEvent.noteId, ownerId: updatedEvent.ownerId, version: updatedEvent.version },
      { noteId: created.id, ownerId, version: 2n },
    );
    assert.equal(updatedMessage.envelope.occurredAt, BigInt(timestampMs(updated.updatedAt)));
    assert.deepEqual(stateOf(updatedEvent), stateOf(updated), 'NoteUpdated carries the whole note');

    const deletedEvent = fromBinary(NoteDeletedSchema, deletedMessage.envelope.payload);
    assert.deepEqual({ noteId: deletedEvent.noteId, ownerId: deletedEvent.ownerId }, { noteId: created.id, ownerId });
    assert.equal(deletedMessage.envelope.occurredAt, BigInt(deletedAt.getTime()));
    assert.equal(deletedEvent.version, 2n, 'its last version');
    assert.equal(deletedEvent.deletedAt && timestampDate(deletedEvent.deletedAt).getTime(), deletedAt.getTime());

    const ofOther = collector.received.filter((message) => message.key === other.id);
    assert.deepEqual(
      ofOther.map((message) => message.envelope.type),
      [eventTypes.NoteCreated],
    );
    assertContractMessage(ofOther[0] as ReceivedEvent, other.id);

    // What went out is what the transactions wrote to the outbox, marked sent.
    const outbox = await outboxRowsOf(db.pool, created.id);
    assert.deepEqual(
      outbox.map((row) => row.id),
      ofNote.map((message) => message.envelope.eventId),
    );
    assert.ok(outbox.every((row) => row.sent_at !== null));
  });

  test('a change whose transaction rolls back, or that fails, publishes nothing and leaves no outbox row', {
    timeout: 60_000,
  }, async () => {
    // Fails the COMMIT of any write that leaves this title: the use case has written the note and
    // appended its event by then, so the outbox row must roll back with the note.
    const rejectedTitle = `rejected at commit ${randomUUID()}`;
    const trigger = `reject_${randomUUID().replaceAll('-', '')}`;
    await db.pool.query(`
      CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.title = '${rejectedTitle}' THEN RAISE EXCEPTION 'test trigger: % rejected at commit', NEW.id; END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER ${trigger} AFTER INSERT OR UPDATE ON notes
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${trigger}();`);
    try {
      const ownerId = randomUUID();
      const { note } = await notes.createNote({ ownerId, title: 'v1' });
      assert.ok(note);
      const ref = { ownerId, noteId: note.id };

      const failedCreate = await rejection(notes.createNote({ ownerId, title: rejectedTitle }));
      assert.equal(failedCreate.code, Code.Internal);
      const rejectedId = service.issuedIds.at(-1);
      assert.ok(rejectedId && rejectedId !== note.id);
      const failedUpdate = await rejection(notes.updateNote({ ...ref, title: rejectedTitle, expectedVersion: 1n }));
      assert.equal(failedUpdate.code, Code.Internal);
      assert.equal(
        service.logged.filter((line) => line.includes('rejected at commit')).length,
        2,
        'both failed at their COMMIT',
      );
      const stale = await rejection(notes.updateNote({ ...ref, title: 'stale', expectedVersion: 5n }));
      assert.equal(stale.code, Code.FailedPrecondition);
      const strangers = await rejection(notes.deleteNote({ ownerId: randomUUID(), noteId: note.id }));
      assert.equal(strangers.code, Code.NotFound);
      // Committed after all of them, on the same note: once it arrived, anything before it would have.
      const { note: last } = await notes.updateNote({ ...ref, title: 'v2', expectedVersion: 1n });
      assert.equal(last?.version, 2n, 'the rejected update did not commit');

      assert.deepEqual(await outboxRowsOf(db.pool, rejectedId), [], 'no outbox row of the rolled-back create');
      assert.deepEqual(
        (await outboxRowsOf(db.pool, note.id)).map((row) => row.type),
        [eventTypes.NoteCreated, eventTypes.NoteUpdated],
        'no outbox row of the rolled-back or failed changes',
      );

      const collector = await collect([note.id, rejectedId]);
      await collector.waitFor(
        (received) => received.some((message) => message.envelope.type === eventTypes.NoteUpdated),
        eventually,
      );
      await sleep(settle);
      assert.deepEqual(
        collector.received.map((message) => [message.key, message.envelope.type]),
        [
          [note.id, eventTypes.NoteCreated],
          [note.id, eventTypes.NoteUpdated],
        ],
      );
      const updatedEvent = fromBinary(NoteUpdatedSchema, (collector.received[1] as ReceivedEvent).envelope.payload);
      assert.equal(updatedEvent.version, 2n);
    } finally {
      await db.pool.query(`DROP TRIGGER ${trigger} ON notes; DROP FUNCTION ${trigger}()`);
    }
  });
});

test('with outbox.relay false the service only writes the outbox; a relay in another process publishes it', {
  timeout: 60_000,
}, async () => {
  const db = await newDatabase();
  const writer = await startService(db.url, { 'outbox.relay': false });
  const { note } = await writer.notes.createNote({ ownerId: randomUUID(), title: 'waits for a relay' });
  assert.ok(note);
  const collector = await collect([note.id]);

  // No relay serves this database yet (the fallback poll would have run within a second).
  await sleep(1_500);
  assert.equal(collector.received.length, 0, 'nothing published without a relay');
  const [row] = await outboxRowsOf(db.pool, note.id);
  assert.equal(row?.sent_at, null, 'the event waits in the outbox');

  // Another replica with its relay on (as packages/outbox/bin/relay.ts would) publishes it.
  await startService(db.url, { 'outbox.relay': true, 'database.migrateOnStart': false });
  await collector.waitFor((received) => received.length >= 1, eventually);
  assert.equal(collector.received[0]?.envelope.eventId, row?.id);
  assert.equal(collector.received[0]?.envelope.type, eventTypes.NoteCreated);
});
