// The idempotency keys on PostgreSQL: recorded in the transaction of the write they guard (a write
// that fails leaves no key, one that commits leaves both), taken by one transaction at a time,
// replaced once expired, purged after 24 hours.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { type Pool, withTransaction } from '@notes/postgres';
import { testFixture } from '@notes/testkit';
import { createCreateNote } from '../../src/app/create-note.ts';
import type { IdempotencyClaim, RecordedIdempotencyKeys, UnitOfWork } from '../../src/app/ports.ts';
import { createWriteOnce, type WriteOnce } from '../../src/app/write-once.ts';
import {
  createIdempotencyKeys,
  createRecordedIdempotencyKeys,
  purgeIdempotencyKeys,
} from '../../src/db/idempotency-keys.ts';
import { IdempotencyKeyInFlight } from '../../src/domain/errors.ts';
import { idempotencyKeyLifetimeMs } from '../../src/domain/idempotency.ts';
import { migratedNotesDatabase, transactionScope } from '../support/database.ts';

const fixture = testFixture();
let pool: Pool;

before(async () => {
  pool = (await migratedNotesDatabase(fixture, 'notes_idempotency')).pool;
  recorded = createRecordedIdempotencyKeys(pool);
  writeOnce = createWriteOnce({ unitOfWork, keys: recorded, clock });
});

const clock = { now: () => new Date() };
const unitOfWork: UnitOfWork = { run: (work) => withTransaction(pool, (tx) => work(transactionScope(tx, clock))) };
let recorded: RecordedIdempotencyKeys;
let writeOnce: WriteOnce;
const bytes = (text: string) => Buffer.from(text);

function aClaim(ownerId = randomUUID()): IdempotencyClaim {
  return { ownerId, key: `key-${randomUUID()}`, fingerprint: bytes('POST /v1/notes\n{"title":"a"}') };
}

/** Creates a note titled `title` for the claim's owner; the answer is its id. */
const createNote = (ownerId: string, title: string) => async (transaction: UnitOfWork) => {
  const note = await createCreateNote({ unitOfWork: transaction, clock, newId: randomUUID })({
    ownerId,
    title,
    content: '',
  });
  return bytes(note.id);
};

async function countOf(ownerId: string) {
  const { rows } = await pool.query<{ notes: number; events: number; keys: number }>(
    `SELECT (SELECT count(*)::int FROM notes WHERE owner_id = $1) AS notes,
            (SELECT count(*)::int FROM outbox o JOIN notes n ON o.aggregate_id = n.id::text WHERE n.owner_id = $1) AS events,
            (SELECT count(*)::int FROM idempotency_keys WHERE owner_id = $1) AS keys`,
    [ownerId],
  );
  return rows[0];
}

describe('idempotency keys on PostgreSQL', () => {
  test('the key commits with its write, and the same request again gets the recorded answer, writing nothing', async () => {
    const claim = aClaim();
    const first = await writeOnce(claim, createNote(claim.ownerId, 'a'));
    const again = await writeOnce(claim, createNote(claim.ownerId, 'a'));
    assert.deepEqual(again, { answer: first.answer, replayed: true });
    assert.deepEqual(await countOf(claim.ownerId), { notes: 1, events: 1, keys: 1 });
  });

  test('a write whose transaction fails leaves neither its note nor its key', async () => {
    const claim = aClaim();
    await assert.rejects(
      writeOnce(claim, async (transaction) => {
        await createNote(claim.ownerId, 'a')(transaction);
        throw new Error('the write fails after the note was written');
      }),
      /the write fails/,
    );
    assert.deepEqual(await countOf(claim.ownerId), { notes: 0, events: 0, keys: 0 });
    // Nothing was recorded, so the request is carried out when it is tried again.
    assert.equal((await writeOnce(claim, createNote(claim.ownerId, 'a'))).replayed, false);
    assert.deepEqual(await countOf(claim.ownerId), { notes: 1, events: 1, keys: 1 });
  });

  test('while one transaction holds a key, a write under it is IdempotencyKeyInFlight; once it commits, its answer is found', async () => {
    const claim = aClaim();
    const since = new Date(Date.now() - idempotencyKeyLifetimeMs);
    const held = Promise.withResolvers<void>();
    const taken = Promise.withResolvers<void>();
    const first = withTransaction(pool, async (tx) => {
      const keys = createIdempotencyKeys(tx);
      await keys.take(claim);
      await tx.query('SELECT 1'); // sends the deferred take
      taken.resolve();
      await held.promise;
      await keys.record(claim, bytes('first answer'), new Date(), since);
    });
    await taken.promise;
    await assert.rejects(writeOnce(claim, createNote(claim.ownerId, 'second')), IdempotencyKeyInFlight);
    held.resolve();
    await first;
    assert.deepEqual(await recorded.find(claim, since), {
      fingerprint: Buffer.from(claim.fingerprint),
      answer: bytes('first answer'),
    });
    assert.deepEqual(await writeOnce(claim, createNote(claim.ownerId, 'third')), {
      answer: bytes('first answer'),
      replayed: true,
    });
    assert.deepEqual(await countOf(claim.ownerId), { notes: 0, events: 0, keys: 1 });
  });

  test('a write whose key another request recorded meanwhile rolls back and gets that answer', async () => {
    const claim = aClaim();
    const result = await writeOnce(claim, async (transaction) => {
      const answer = await createNote(claim.ownerId, 'mine')(transaction);
      // The other request commits between this one's look-up and its write.
      await withTransaction(pool, (tx) =>
        createIdempotencyKeys(tx).record(claim, bytes('theirs'), new Date(), new Date(0)),
      );
      return answer;
    });
    assert.deepEqual(result, { answer: bytes('theirs'), replayed: true });
    assert.deepEqual(await countOf(claim.ownerId), { notes: 0, events: 0, keys: 1 });
  });

  test('an expired key is found no more, and recording it again replaces it', async () => {
    const claim = aClaim();
    const dayAgo = new Date(Date.now() - idempotencyKeyLifetimeMs - 1_000);
    await withTransaction(pool, (tx) => createIdempotencyKeys(tx).record(claim, bytes('old'), dayAgo, new Date(0)));
    const result = await writeOnce(claim, async () => bytes('new'));
    assert.deepEqual(result, { answer: bytes('new'), replayed: false });
    const { rows } = await pool.query('SELECT answer FROM idempotency_keys WHERE owner_id = $1', [claim.ownerId]);
    assert.deepEqual(rows, [{ answer: bytes('new') }]);
  });

  test('the purge deletes the keys recorded before its cutoff, chunk by chunk, and no other', async () => {
    const ownerId = randomUUID();
    const cutoff = new Date('2026-11-23T10:00:00.000Z');
    const record = (key: string, at: Date) =>
      withTransaction(pool, (tx) =>
        createIdempotencyKeys(tx).record({ ownerId, key, fingerprint: bytes('f') }, bytes('a'), at, new Date(0)),
      );
    for (const key of ['old-1', 'old-2', 'old-3']) await record(key, new Date(cutoff.getTime() - 1));
    await record('fresh', cutoff);
    const oldersOfOthers = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM idempotency_keys WHERE created_at < $1 AND owner_id <> $2',
      [cutoff, ownerId],
    );
    assert.equal(await purgeIdempotencyKeys(pool, cutoff, 2), 3 + (oldersOfOthers.rows[0]?.n ?? 0));
    const { rows } = await pool.query('SELECT key FROM idempotency_keys WHERE owner_id = $1', [ownerId]);
    assert.deepEqual(rows, [{ key: 'fresh' }]);
  });
});
