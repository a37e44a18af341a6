// notes-service as a saga participant, whole and in-process: commands published to the shared
// broker's saga.commands, the replies read back from saga.replies. Both topics are shared with tests
// running in parallel: every saga id here is new, and only its messages are kept. One service at a
// time is in the notes-service group, so it is the one that gets every command.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type Client, createClient } from '@connectrpc/connect';
import { eventTypes, sagaCommandTypes, sagaReplyType, topics } from '@notes/contracts/names';
import { NotesService } from '@notes/contracts/notes/v1';
import { CreateWelcomeNoteSchema, DeleteUserNotesSchema, StepReplySchema } from '@notes/contracts/saga/v1/messages';
import { createGrpcTransport } from '@notes/grpc';
import { createEventProducer, type Event, type EventProducer } from '@notes/kafka';
import { createPool, type Pool } from '@notes/postgres';
import { type ReceivedEvent, sagaCommand, testFixture, testKafkaBrokers } from '@notes/testkit';
import { composeNotesService, type NotesServiceOverrides } from '../../src/compose.ts';
import { testNotesConfig } from '../support/config.ts';
import { refuseWelcomeNotes } from '../support/refusing-welcome-notes.ts';

/** How long a reply may take: the consumer joins its group and works through older commands first. */
const replyTimeoutMs = 60_000;
/** After the expected replies: time for a duplicate to show up, if there were one. */
const quietPeriodMs = 1_500;

const fixture = testFixture();
let producer: EventProducer;

before(() => {
  producer = fixture.closeAfter(
    createEventProducer({ brokers: testKafkaBrokers(), clientId: 'notes-saga-commands-test' }),
    (opened) => opened.close(),
  );
});

interface RunningService {
  notes: Client<typeof NotesService>;
  pool: Pool;
}

/** A fresh database and the service over it with its saga-command consumer on; all gone after the suite. */
function serviceForSuite(overrides: NotesServiceOverrides = {}): RunningService {
  const running = {} as RunningService;
  const suite = testFixture();
  before(async () => {
    const database = await suite.database('notes_saga_commands');
    const config = testNotesConfig(database.url, { 'saga.consumer': true });
    const service = suite.closeAfter(composeNotesService(config, overrides), (opened) => opened.stop());
    const { port } = await service.start();
    running.notes = createClient(NotesService, createGrpcTransport(`http://127.0.0.1:${port}`, { tls: undefined }));
    running.pool = suite.closeAfter(
      createPool({ dsn: database.url, maxConnections: 2, applicationName: 'notes-saga-commands-test' }),
      (opened) => opened.end(),
    );
  });
  return running;
}

const createWelcomeNote = (sagaId: string, userId: string) =>
  sagaCommand(
    sagaId,
    sagaCommandTypes.CreateWelcomeNote,
    toBinary(CreateWelcomeNoteSchema, create(CreateWelcomeNoteSchema, { userId })),
  );

const deleteUserNotes = (sagaId: string, userId: string) =>
  sagaCommand(
    sagaId,
    sagaCommandTypes.DeleteUserNotes,
    toBinary(DeleteUserNotesSchema, create(DeleteUserNotesSchema, { userId })),
  );

/** saga.replies from the earliest offset, keeping the replies to this saga. */
function collectReplies(sagaId: string) {
  return fixture.collect(topics.sagaReplies, (key) => key === sagaId);
}

/** Publishes the commands and returns the replies once `expected` arrived and no more came. */
async function repliesAfter(sagaId: string, commands: Event[], expected: number) {
  const collector = await collectReplies(sagaId);
  await producer.publish(topics.sagaCommands, commands);
  await collector.waitFor((received) => received.length >= expected, replyTimeoutMs);
  await sleep(quietPeriodMs);
  return collector.received.map(answerOf);
}

function answerOf(reply: ReceivedEvent) {
  assert.equal(reply.envelope.type, sagaReplyType);
  assert.equal(reply.envelope.correlationId, reply.envelope.aggregateId);
  const { commandType, commandId, succeeded, reason } = fromBinary(StepReplySchema, reply.envelope.payload);
  return { commandType, commandId, succeeded, reason };
}

const succeeded = (sent: Event) => ({ commandType: sent.type, commandId: sent.eventId, succeeded: true, reason: '' });

async function rowsOf(pool: Pool, ownerId: string) {
  const { rows } = await pool.query<{ id: string; kind: string; deleted_at: Date | null }>(
    'SELECT id, kind, deleted_at FROM notes WHERE owner_id = $1 ORDER BY created_at, id',
    [ownerId],
  );
  return rows;
}

describe('notes-service carrying out saga commands', () => {
  const service = serviceForSuite();

  test('CreateWelcomeNote three times with one id and twice with new ids: one welcome note, one reply per command id', async () => {
    const userId = randomUUID();
    const sagaId = randomUUID();
    const first = createWelcomeNote(sagaId, userId);
    const [resent, resentAgain] = [createWelcomeNote(sagaId, userId), createWelcomeNote(sagaId, userId)];

    const answers = await repliesAfter(sagaId, [first, first, first, resent, resentAgain], 3);

    // One saga id, one partition: the replies come in the order of the commands.
    assert.deepEqual(answers, [first, resent, resentAgain].map(succeeded));
    const rows = await rowsOf(service.pool, userId);
    assert.deepEqual(
      rows.map((row) => row.kind),
      ['welcome'],
    );
    const { notes } = await service.notes.listNotes({ ownerId: userId });
    assert.equal(notes.length, 1);
    assert.equal(notes[0]?.title, 'Welcome to Notes');
    const { rows: created } = await service.pool.query(
      `SELECT id FROM outbox WHERE aggregate_id = $1 AND type = '${eventTypes.NoteCreated}'`,
      [rows[0]?.id],
    );
    assert.equal(created.length, 1, 'one NoteCreated');
  });

  test('DeleteUserNotes deletes every note of that user, and only theirs, and replies', async () => {
    const userId = randomUUID();
    const bystander = randomUUID();
    const kept = await service.notes.createNote({ ownerId: bystander, title: "someone else's" });
    const { note: doomed } = await service.notes.createNote({ ownerId: userId, title: 'mine' });
    const { note: deletedEarlier } = await service.notes.createNote({ ownerId: userId, title: 'deleted before' });
    assert.ok(doomed && deletedEarlier && kept.note);
    await service.notes.deleteNote({ ownerId: userId, noteId: deletedEarlier.id });
    const sagaId = randomUUID();
    const deleteAll = deleteUserNotes(sagaId, userId);

    assert.deepEqual(await repliesAfter(sagaId, [deleteAll], 1), [succeeded(deleteAll)]);

    assert.deepEqual(await rowsOf(service.pool, userId), [], 'no row left, not even the soft-deleted one');
    assert.equal((await rowsOf(service.pool, bystander)).length, 1);
    const { note } = await service.notes.getNote({ ownerId: bystander, noteId: kept.note.id });
    assert.equal(note?.title, "someone else's");
    const { rows: deletedEvents } = await service.pool.query(
      `SELECT aggregate_id FROM outbox WHERE type = '${eventTypes.NoteDeleted}' AND aggregate_id = ANY($1::text[])`,
      [[doomed.id, deletedEarlier.id]],
    );
    assert.deepEqual(
      deletedEvents.map((row) => row.aggregate_id).toSorted(),
      [doomed.id, deletedEarlier.id].toSorted(),
      'one NoteDeleted each: the earlier one from its own deletion, none again',
    );
  });
});

describe('notes-service refusing welcome notes', () => {
  const service = serviceForSuite({ createWelcomeNote: refuseWelcomeNotes });

  test('CreateWelcomeNote is answered with a failure and its reason, and no note is made', async () => {
    const userId = randomUUID();
    const sagaId = randomUUID();
    const refused = createWelcomeNote(sagaId, userId);

    assert.deepEqual(await repliesAfter(sagaId, [refused], 1), [
      {
        commandType: sagaCommandTypes.CreateWelcomeNote,
        commandId: refused.eventId,
        succeeded: false,
        reason: 'welcome notes are switched off',
      },
    ]);
    assert.deepEqual(await rowsOf(service.pool, userId), []);
  });
});
