// The saga steps notes-service carries out, through the db and outbox adapters in one transaction
// (wired as compose.ts wires them), without Kafka: what they leave in the notes table and the outbox.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { NoteCreatedSchema, NoteDeletedSchema } from '@notes/contracts/common/v1';
import { eventTypes, sagaCommandTypes, sagaReplyType, topics } from '@notes/contracts/names';
import { StepReplySchema } from '@notes/contracts/saga/v1/messages';
import { readOutboxRows, type StoredOutboxRow } from '@notes/outbox/testing';
import { type Pool, withTransaction } from '@notes/postgres';
import { testFixture } from '@notes/testkit';
import { type CreateWelcomeNoteCommand, createCreateWelcomeNote } from '../../src/app/create-welcome-note.ts';
import { createDeleteUserNotes, type DeleteUserNotesCommand } from '../../src/app/delete-user-notes.ts';
import type { TransactionScope } from '../../src/app/ports.ts';
import { migratedNotesDatabase, transactionScope } from '../support/database.ts';
import { refuseWelcomeNotes } from '../support/refusing-welcome-notes.ts';

const fixture = testFixture();
let pool: Pool;
const clock = { now: () => new Date('2026-11-25T12:00:00.000Z') };

before(async () => {
  pool = (await migratedNotesDatabase(fixture, 'notes_saga_steps')).pool;
});

/** Runs a step in one transaction over the real adapters, as the consumer does. */
function inTransaction(step: (scope: TransactionScope) => Promise<void>): Promise<void> {
  return withTransaction(pool, (tx) => step(transactionScope(tx, clock)));
}

const createWelcomeNote = createCreateWelcomeNote({ clock, newId: () => randomUUID() });
const deleteUserNotes = createDeleteUserNotes({ clock });

function welcomeNoteCommand(userId: string, sagaId = randomUUID()): CreateWelcomeNoteCommand {
  return { sagaId, commandId: randomUUID(), commandType: sagaCommandTypes.CreateWelcomeNote, userId };
}

function deleteUserNotesCommand(userId: string): DeleteUserNotesCommand {
  return { sagaId: randomUUID(), commandId: randomUUID(), commandType: sagaCommandTypes.DeleteUserNotes, userId };
}

const repliesTo = (sagaId: string) => readOutboxRows(pool, { topic: topics.sagaReplies, aggregateId: sagaId });
const noteCreatedEventsOf = (ownerId: string) =>
  readOutboxRows(pool, { topic: topics.notesEvents, type: eventTypes.NoteCreated }).then((rows) =>
    rows.filter((row) => fromBinary(NoteCreatedSchema, row.payload).ownerId === ownerId),
  );

async function notesOf(ownerId: string) {
  const { rows } = await pool.query<{ id: string; title: string; content: string; kind: string }>(
    'SELECT id, title, content, kind FROM notes WHERE owner_id = $1 ORDER BY created_at, id',
    [ownerId],
  );
  return rows;
}

function answer(row: StoredOutboxRow) {
  const { commandType, commandId, succeeded, reason } = fromBinary(StepReplySchema, row.payload);
  return { commandType, commandId, succeeded, reason };
}

describe('CreateWelcomeNote', () => {
  test('creates the welcome note with its NoteCreated and a success reply on saga.replies', async () => {
    const userId = randomUUID();
    const command = welcomeNoteCommand(userId);
    await inTransaction((scope) => createWelcomeNote(command, scope));

    const [note, ...others] = await notesOf(userId);
    assert.equal(others.length, 0);
    assert.equal(note?.kind, 'welcome');
    assert.match(note?.title ?? '', /welcome/i);
    assert.ok((note?.content ?? '').length > 0);
    const created = await noteCreatedEventsOf(userId);
    assert.deepEqual(
      created.map((row) => row.aggregate_id),
      [note?.id],
    );

    const [reply, ...more] = await repliesTo(command.sagaId);
    assert.equal(more.length, 0);
    assert.ok(reply !== undefined);
    assert.equal(reply.type, sagaReplyType);
    assert.equal(reply.correlation_id, command.sagaId);
    assert.deepEqual(reply.occurred_at, clock.now());
    assert.deepEqual(answer(reply), {
      commandType: sagaCommandTypes.CreateWelcomeNote,
      commandId: command.commandId,
      succeeded: true,
      reason: '',
    });
  });

  test('sent again: no second note or event, and a success reply all the same', async () => {
    const userId = randomUUID();
    const sagaId = randomUUID();
    const [first, again] = [welcomeNoteCommand(userId, sagaId), welcomeNoteCommand(userId, sagaId)];
    await inTransaction((scope) => createWelcomeNote(first, scope));
    await inTransaction((scope) => createWelcomeNote(again, scope));

    assert.equal((await notesOf(userId)).length, 1);
    assert.equal((await noteCreatedEventsOf(userId)).length, 1);
    assert.deepEqual(
      (await repliesTo(sagaId)).map(answer),
      [first, again].map((command) => ({
        commandType: sagaCommandTypes.CreateWelcomeNote,
        commandId: command.commandId,
        succeeded: true,
        reason: '',
      })),
    );
  });

  test('refused (a participant that refuses, as the tests of compensation make it): a failure reply with its reason, and no note', async () => {
    const refusing = refuseWelcomeNotes;
    const userId = randomUUID();
    const command = welcomeNoteCommand(userId);
    await inTransaction((scope) => refusing(command, scope));

    assert.deepEqual(await notesOf(userId), []);
    assert.deepEqual((await repliesTo(command.sagaId)).map(answer), [
      {
        commandType: sagaCommandTypes.CreateWelcomeNote,
        commandId: command.commandId,
        succeeded: false,
        reason: 'welcome notes are switched off',
      },
    ]);
  });
});

describe('DeleteUserNotes', () => {
  test("deletes every note of the user, NoteDeleted for the live ones, a success reply; others' notes stay", async () => {
    const userId = randomUUID();
    const bystander = randomUUID();
    await inTransaction((scope) => createWelcomeNote(welcomeNoteCommand(userId), scope));
    await inTransaction((scope) => createWelcomeNote(welcomeNoteCommand(bystander), scope));
    const [welcome] = await notesOf(userId);
    assert.ok(welcome !== undefined);
    // A second note, already (soft-)deleted: its NoteDeleted went out back then.
    const deletedEarlier = randomUUID();
    await pool.query(
      `INSERT INTO notes (id, owner_id, title, created_at, updated_at, deleted_at) VALUES ($1, $2, 'old', $3, $3, $3)`,
      [deletedEarlier, userId, clock.now()],
    );
    const command = deleteUserNotesCommand(userId);

    await inTransaction((scope) => deleteUserNotes(command, scope));

    assert.deepEqual(await notesOf(userId), []);
    assert.equal((await notesOf(bystander)).length, 1);
    const deleted = await readOutboxRows(pool, { topic: topics.notesEvents, type: eventTypes.NoteDeleted });
    const ofUser = deleted.filter((row) => fromBinary(NoteDeletedSchema, row.payload).ownerId === userId);
    assert.deepEqual(
      ofUser.map((row) => row.aggregate_id),
      [welcome.id],
    );
    assert.deepEqual(ofUser[0]?.occurred_at, clock.now());
    assert.deepEqual((await repliesTo(command.sagaId)).map(answer), [
      { commandType: sagaCommandTypes.DeleteUserNotes, commandId: command.commandId, succeeded: true, reason: '' },
    ]);
  });

  test('for a user without notes it only answers succeeded', async () => {
    const command = deleteUserNotesCommand(randomUUID());
    await inTransaction((scope) => deleteUserNotes(command, scope));
    assert.equal((await repliesTo(command.sagaId)).length, 1);
  });
});
