// WriteOnce on in-memory fakes: a key's first request writes and records its answer in the same
// transaction; the same request again gets that answer back and writes nothing; another request
// with the key, a key in flight, an expired key and a failed write.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock, sequentialUuids } from '@notes/testkit/fakes';
import { createCreateNote } from '../../src/app/create-note.ts';
import { createDeleteNote } from '../../src/app/delete-note.ts';
import type { IdempotencyClaim, UnitOfWork } from '../../src/app/ports.ts';
import { createWriteOnce } from '../../src/app/write-once.ts';
import { IdempotencyKeyInFlight, IdempotencyKeyReused, NoteNotFound } from '../../src/domain/errors.ts';
import { idempotencyKeyLifetimeMs, sameFingerprint } from '../../src/domain/idempotency.ts';
import { InMemoryUnitOfWork } from '../support/fakes.ts';

const alice = '0190f5f4-7b1c-7a3e-8f00-000000000a11';
const bob = '0190f5f4-7b1c-7a3e-8f00-000000000b0b';
const bytes = (text: string) => new TextEncoder().encode(text);
const claim = (fingerprint: string, ownerId = alice): IdempotencyClaim => ({
  ownerId,
  key: 'key-1',
  fingerprint: bytes(fingerprint),
});

function setUp() {
  const unitOfWork = new InMemoryUnitOfWork();
  const clock = new ManualClock(new Date('2026-11-23T10:00:00.000Z'));
  const newId = sequentialUuids();
  const writeOnce = createWriteOnce({ unitOfWork, keys: unitOfWork.idempotencyKeys, clock });
  // The answer is the created note's id, as an edge would encode its response.
  const createNote = (transaction: UnitOfWork, title: string) =>
    createCreateNote({ unitOfWork: transaction, clock, newId })({ ownerId: alice, title, content: '' }).then((note) =>
      bytes(note.id),
    );
  return { unitOfWork, clock, writeOnce, createNote };
}

describe('WriteOnce', () => {
  test('the first request writes and records its answer; the same request again gets that answer and writes nothing', async () => {
    const { unitOfWork, writeOnce, createNote } = setUp();
    const first = await writeOnce(claim('POST a'), (transaction) => createNote(transaction, 'a'));
    assert.equal(first.replayed, false);
    const again = await writeOnce(claim('POST a'), (transaction) => createNote(transaction, 'a'));
    assert.deepEqual(again, { answer: first.answer, replayed: true });
    assert.equal(unitOfWork.notes.rows.length, 1);
    assert.equal(unitOfWork.events.recorded.length, 1, 'one NoteCreated');
    assert.equal(unitOfWork.idempotencyKeys.rows.length, 1);
  });

  test('the same key with another request is IdempotencyKeyReused, and writes nothing', async () => {
    const { unitOfWork, writeOnce, createNote } = setUp();
    await writeOnce(claim('POST a'), (transaction) => createNote(transaction, 'a'));
    await assert.rejects(
      writeOnce(claim('POST b'), (transaction) => createNote(transaction, 'b')),
      IdempotencyKeyReused,
    );
    assert.deepEqual(
      unitOfWork.notes.rows.map((row) => row.title),
      ['a'],
    );
  });

  test('a key another transaction holds is IdempotencyKeyInFlight, and writes nothing', async () => {
    const { unitOfWork, writeOnce, createNote } = setUp();
    unitOfWork.idempotencyKeys.inFlight.add('key-1');
    await assert.rejects(
      writeOnce(claim('POST a'), (transaction) => createNote(transaction, 'a')),
      IdempotencyKeyInFlight,
    );
    assert.equal(unitOfWork.notes.rows.length, 0);
  });

  test("keys are per owner: another owner's same key is a key of its own", async () => {
    const { writeOnce, createNote } = setUp();
    await writeOnce(claim('POST a'), (transaction) => createNote(transaction, 'a'));
    const bobs = await writeOnce(claim('POST b', bob), (transaction) => createNote(transaction, 'b'));
    assert.equal(bobs.replayed, false);
  });

  test('a key older than 24 hours holds no more: the request writes again and the key is recorded anew', async () => {
    const { unitOfWork, clock, writeOnce, createNote } = setUp();
    const first = await writeOnce(claim('POST a'), (transaction) => createNote(transaction, 'a'));
    clock.advanceSeconds(idempotencyKeyLifetimeMs / 1000 - 1);
    assert.equal((await writeOnce(claim('POST a'), (transaction) => createNote(transaction, 'a'))).replayed, true);
    clock.advanceSeconds(2);
    const later = await writeOnce(claim('POST b'), (transaction) => createNote(transaction, 'b'));
    assert.equal(later.replayed, false);
    assert.notDeepEqual(later.answer, first.answer);
    assert.equal(unitOfWork.idempotencyKeys.rows.length, 1);
  });

  test('when a request under the key commits while the write runs, the write rolls back and gets that answer', async () => {
    const { unitOfWork, clock, writeOnce, createNote } = setUp();
    const result = await writeOnce(claim('POST a'), async (transaction) => {
      const answer = await createNote(transaction, 'a');
      // Another request with the key, same request, committed meanwhile.
      unitOfWork.idempotencyKeys.rows.push({ ...claim('POST a'), answer: bytes('theirs'), createdAt: clock.now() });
      return answer;
    });
    assert.deepEqual(result, { answer: bytes('theirs'), replayed: true });
    assert.equal(unitOfWork.notes.rows.length, 0, 'the write rolled back');
  });

  test('a write that fails records no key, so the request may be tried again', async () => {
    const { unitOfWork, clock, writeOnce } = setUp();
    const deleteNote = (transaction: UnitOfWork) =>
      createDeleteNote({ unitOfWork: transaction, clock })({ ownerId: alice, noteId: bob }).then(() => bytes(''));
    await assert.rejects(writeOnce(claim('DELETE'), deleteNote), NoteNotFound);
    assert.equal(unitOfWork.idempotencyKeys.rows.length, 0);
  });
});

test('fingerprints are the same only byte for byte', () => {
  assert.equal(sameFingerprint(bytes('abc'), bytes('abc')), true);
  assert.equal(sameFingerprint(bytes('abc'), bytes('abd')), false);
  assert.equal(sameFingerprint(bytes('abc'), bytes('ab')), false);
});
