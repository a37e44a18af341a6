// Events outlive the code that wrote them: the outbox and Kafka hold messages written before the
// second wave added the note's state to them. These bytes are what the previous version of each
// message encoded (its field numbers and types, written out by hand), so a change that breaks
// reading them fails here, as would one that moves an old field.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { NoteCreatedSchema, NoteDeletedSchema, NoteUpdatedSchema } from '@notes/contracts/common/v1';

const noteId = '0190f5f4-7b1c-7a3e-8f00-0000000000aa';
const ownerId = '0190f5f4-7b1c-7a3e-8f00-000000000a11';

/** The previous versions: NoteCreated and NoteDeleted were {note_id = 1, owner_id = 2}; NoteUpdated added version = 3. */
function previousVersion(version?: bigint): Uint8Array {
  const writer = new BinaryWriter().tag(1, 2).string(noteId).tag(2, 2).string(ownerId);
  if (version !== undefined) writer.tag(3, 0).int64(version);
  return writer.finish();
}

/** What a consumer built on the previous version reads: fields 1 to 3, every other one skipped. */
function readAsPreviousVersion(bytes: Uint8Array) {
  const reader = new BinaryReader(bytes);
  const read: { noteId?: string; ownerId?: string; version?: bigint } = {};
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) read.noteId = reader.string();
    else if (field === 2) read.ownerId = reader.string();
    else if (field === 3 && wireType === 0) read.version = BigInt(reader.int64());
    else reader.skip(wireType, field);
  }
  return read;
}

const state = {
  noteId,
  ownerId,
  title: 'Groceries',
  content: 'milk',
  tags: ['home', 'work'],
  pinned: true,
  archived: false,
  version: 3n,
  createdAt: timestampFromDate(new Date('2026-11-23T10:00:00.000Z')),
  updatedAt: timestampFromDate(new Date('2026-11-23T10:05:00.000Z')),
};

describe('note events across versions', () => {
  test('events written before the state was added decode, the new fields at their defaults', () => {
    const created = fromBinary(NoteCreatedSchema, previousVersion());
    assert.deepEqual(
      [created.noteId, created.ownerId, created.title, created.tags, created.version, created.createdAt],
      [noteId, ownerId, '', [], 0n, undefined],
    );
    const updated = fromBinary(NoteUpdatedSchema, previousVersion(4n));
    assert.deepEqual([updated.noteId, updated.ownerId, updated.version, updated.pinned], [noteId, ownerId, 4n, false]);
    const deleted = fromBinary(NoteDeletedSchema, previousVersion());
    assert.deepEqual([deleted.noteId, deleted.version, deleted.deletedAt], [noteId, 0n, undefined]);
  });

  test('events written now decode with the whole state, and read the same as before to an old consumer', () => {
    const created = toBinary(NoteCreatedSchema, create(NoteCreatedSchema, state));
    assert.deepEqual(fromBinary(NoteCreatedSchema, created), create(NoteCreatedSchema, state));
    assert.deepEqual(readAsPreviousVersion(created), { noteId, ownerId });

    const updated = toBinary(NoteUpdatedSchema, create(NoteUpdatedSchema, state));
    assert.deepEqual(fromBinary(NoteUpdatedSchema, updated), create(NoteUpdatedSchema, state));
    assert.deepEqual(readAsPreviousVersion(updated), { noteId, ownerId, version: 3n });

    const deletedState = { noteId, ownerId, version: 3n, deletedAt: state.updatedAt };
    const deleted = toBinary(NoteDeletedSchema, create(NoteDeletedSchema, deletedState));
    assert.deepEqual(fromBinary(NoteDeletedSchema, deleted), create(NoteDeletedSchema, deletedState));
    assert.deepEqual(readAsPreviousVersion(deleted).noteId, noteId);
  });
});
