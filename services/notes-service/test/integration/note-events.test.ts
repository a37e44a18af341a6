// The note's events in the outbox table, written by the use cases through the db and outbox
// adapters in one transaction (wired as compose.ts wires them), without a relay: what the rows
// hold, and that a transaction that fails leaves none.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { NoteCreatedSchema, NoteDeletedSchema, NoteUpdatedSchema } from '@notes/contracts/common/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import { readOutboxRows, type StoredOutboxRow } from '@notes/outbox/testing';
import { type Pool, withTransaction } from '@notes/postgres';
import { createSagaReplies } from '@notes/saga';
import { testFixture } from '@notes/testkit';
import { createCreateNote } from '../../src/app/create-note.ts';
import { createDeleteNote } from '../../src/app/delete-note.ts';
import type { UnitOfWork } from '../../src/app/ports.ts';
import { createUpdateNote } from '../../src/app/update-note.ts';
import { createIdempotencyKeys } from '../../src/db/idempotency-keys.ts';
import { createNoteReads, createNotesRepository } from '../../src/db/notes-repository.ts';
import { NoteNotFound, VersionMismatch } from '../../src/domain/errors.ts';
import { createNoteEvents } from '../../src/outbox/note-events.ts';
import { migratedNotesDatabase, transactionScope } from '../support/database.ts';

const fixture = testFixture();
let pool: Pool;

before(async () => {
  pool = (await migratedNotesDatabase(fixture, 'notes_events')).pool;
});

const clock = { now: () => new Date() };
const inTransaction: UnitOfWork['run'] = (work) => withTransaction(pool, (tx) => work(transactionScope(tx, clock)));
/** A clock that moves one second per reading. */
function steppingClock() {
  let millis = Date.parse('2026-11-23T10:00:00.000Z');
  return {
    now: () => {
      millis += 1_000;
      return new Date(millis);
    },
  };
}

function useCases(overrides: { inTransaction?: UnitOfWork['run'] } = {}) {
  const deps = { unitOfWork: { run: overrides.inTransaction ?? inTransaction }, clock: steppingClock() };
  return {
    createNote: createCreateNote({ ...deps, newId: () => randomUUID() }),
    updateNote: createUpdateNote(deps),
    deleteNote: createDeleteNote(deps),
  };
}

/** The outbox rows of one note, in the order the relay publishes them (seq). */
const outboxRowsOf = (noteId: string) => readOutboxRows(pool, { aggregateId: noteId });

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('note events in the outbox', () => {
  test('create, update and delete each record one notes.events row, in order, at the time of the change', async () => {
    const { createNote, updateNote, deleteNote } = useCases();
    const ownerId = randomUUID();

    const created = await createNote({ ownerId, title: 'first', content: '' });
    const ref = { ownerId, noteId: created.id };
    const updated = await updateNote({ ...ref, title: 'second', content: 'body', expectedVersion: 1 });
    await deleteNote(ref);
    const { rows } = await pool.query<{ deleted_at: Date }>('SELECT deleted_at FROM notes WHERE id = $1', [created.id]);
    const deletedAt = rows[0]?.deleted_at;
    assert.ok(deletedAt);

    const outbox = await outboxRowsOf(created.id);
    assert.deepEqual(
      outbox.map((row) => row.type),
      [eventTypes.NoteCreated, eventTypes.NoteUpdated, eventTypes.NoteDeleted],
    );
    for (const row of outbox) {
      assert.equal(row.topic, topics.notesEvents);
      assert.equal(row.aggregate_id, created.id);
      assert.match(row.id, uuidV7, 'the event id is a UUIDv7');
      assert.equal(row.correlation_id, null);
      assert.equal(row.sent_at, null, 'no relay runs here');
    }
    assert.equal(new Set(outbox.map((row) => row.id)).size, 3, 'three distinct event ids');
    assert.deepEqual(
      outbox.map((row) => row.occurred_at),
      [created.createdAt, updated.updatedAt, deletedAt],
    );

    const [createdRow, updatedRow, deletedRow] = outbox as [StoredOutboxRow, StoredOutboxRow, StoredOutboxRow];
    const createdEvent = fromBinary(NoteCreatedSchema, createdRow.payload);
    assert.deepEqual({ noteId: createdEvent.noteId, ownerId: createdEvent.ownerId }, { noteId: created.id, ownerId });
    const updatedEvent = fromBinary(NoteUpdatedSchema, updatedRow.payload);
    assert.deepEqual(
      { noteId: updatedEvent.noteId, ownerId: updatedEvent.ownerId, version: updatedEvent.version },
      { noteId: created.id, ownerId, version: 2n },
    );
    const deletedEvent = fromBinary(NoteDeletedSchema, deletedRow.payload);
    assert.deepEqual({ noteId: deletedEvent.noteId, ownerId: deletedEvent.ownerId }, { noteId: created.id, ownerId });
  });

  test('an update or delete that fails (stale version, not found, another owner) records nothing', async () => {
    const { createNote, updateNote, deleteNote } = useCases();
    const ownerId = randomUUID();
    const note = await createNote({ ownerId, title: 'v1', content: '' });
    const ref = { ownerId, noteId: note.id };
    const strangersRef = { ownerId: randomUUID(), noteId: note.id };

    await assert.rejects(updateNote({ ...ref, title: 'stale', content: '', expectedVersion: 7 }), VersionMismatch);
    await assert.rejects(
      updateNote({ ...strangersRef, title: 't', content: '', expectedVersion: undefined }),
      NoteNotFound,
    );
    await assert.rejects(deleteNote(strangersRef), NoteNotFound);
    const missing = randomUUID();
    await assert.rejects(deleteNote({ ownerId, noteId: missing }), NoteNotFound);
    await assert.rejects(
      updateNote({ ownerId, noteId: missing, title: 't', content: '', expectedVersion: 1 }),
      NoteNotFound,
    );

    assert.deepEqual(
      (await outboxRowsOf(note.id)).map((row) => row.type),
      [eventTypes.NoteCreated],
    );
    assert.deepEqual(await outboxRowsOf(missing), []);
  });

  test('a create whose outbox row fails leaves no note, and one whose note row fails leaves no event', async () => {
    // The note and its event are one statement (deferred writes): PostgreSQL commits both or neither.
    const ownerId = randomUUID();
    const takenEventId = randomUUID();
    const withEventId: UnitOfWork['run'] = (work) =>
      withTransaction(pool, (tx) =>
        work({
          notes: createNotesRepository(tx),
          events: createNoteEvents(tx, { newEventId: () => takenEventId }),
          replies: createSagaReplies(tx, { clock }),
          idempotencyKeys: createIdempotencyKeys(tx),
        }),
      );
    const lostId = randomUUID();
    const ids = [randomUUID(), lostId];
    const createNote = createCreateNote({
      unitOfWork: { run: withEventId },
      clock: steppingClock(),
      newId: () => ids.shift() ?? randomUUID(),
    });
    const first = await createNote({ ownerId, title: 'first', content: '' });

    await assert.rejects(createNote({ ownerId, title: 'its event id is taken', content: '' }), /outbox_pkey/);
    const { rowCount } = await pool.query('SELECT 1 FROM notes WHERE id = $1', [lostId]);
    assert.equal(rowCount, 0, 'no note without its event');

    const sameId = first.id;
    const duplicateNote = createCreateNote({
      unitOfWork: { run: inTransaction },
      clock: steppingClock(),
      newId: () => sameId,
    });
    await assert.rejects(duplicateNote({ ownerId, title: 'its id is taken', content: '' }), /notes_pkey/);
    assert.deepEqual(
      (await outboxRowsOf(first.id)).map((row) => row.id),
      [takenEventId],
      'no event without its note',
    );
  });

  test('a transaction that fails after the outbox append leaves neither the note nor its event', async () => {
    const afterAppend: string[] = [];
    // The real adapters, with a failure right after each event was appended (the note's row
    // written before it): the whole transaction must roll back.
    const failing: UnitOfWork['run'] = (work) =>
      withTransaction(pool, (tx) => {
        const events = createNoteEvents(tx);
        return work({
          notes: createNotesRepository(tx),
          replies: createSagaReplies(tx, { clock }),
          idempotencyKeys: createIdempotencyKeys(tx),
          events: {
            created: async (note) => {
              await events.created(note);
              afterAppend.push(note.id);
              throw new Error('failed after the append');
            },
            updated: async (note) => {
              await events.updated(note);
              afterAppend.push(note.id);
              throw new Error('failed after the append');
            },
            deleted: async (note) => {
              await events.deleted(note);
              afterAppend.push(note.noteId);
              throw new Error('failed after the append');
            },
          },
        });
      });
    const ownerId = randomUUID();
    const committed = await useCases().createNote({ ownerId, title: 'kept', content: '' });
    const ref = { ownerId, noteId: committed.id };
    const { updateNote, deleteNote } = useCases({ inTransaction: failing });
    let createdId: string | undefined;
    const recordingCreate = createCreateNote({
      unitOfWork: { run: failing },
      clock: steppingClock(),
      newId: () => {
        createdId = randomUUID();
        return createdId;
      },
    });

    await assert.rejects(recordingCreate({ ownerId, title: 'lost', content: '' }), /failed after the append/);
    await assert.rejects(updateNote({ ...ref, title: 'lost', content: '', expectedVersion: 1 }), /after the append/);
    await assert.rejects(deleteNote(ref), /failed after the append/);
    assert.ok(createdId);
    assert.deepEqual(afterAppend, [createdId, committed.id, committed.id], 'each failed after its append');

    const { rowCount } = await pool.query('SELECT 1 FROM notes WHERE id = $1', [createdId]);
    assert.equal(rowCount, 0, 'the created note rolled back');
    assert.deepEqual(await outboxRowsOf(createdId), [], 'its event rolled back');
    const kept = await createNoteReads(pool).findLive(ref);
    assert.deepEqual(kept, committed, 'the update and the delete rolled back');
    assert.deepEqual(
      (await outboxRowsOf(committed.id)).map((row) => row.type),
      [eventTypes.NoteCreated],
      'their events rolled back',
    );
  });
});
