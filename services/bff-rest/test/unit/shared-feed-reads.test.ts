import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangeFeedPage } from '../../src/change-streams/change-feed.ts';
import { shareFeedReads } from '../../src/change-streams/shared-feed-reads.ts';

/** A feed of numbered changes per owner: change n has cursor "n"; a read sees what was appended before it started. */
class FakeFeed {
  changes = new Map<string, number[]>();
  reads: { ownerId: string; cursor: string | undefined; signal: AbortSignal | undefined }[] = [];
  /** While set, a started read waits for it before it answers (what it answers was fixed when it started). */
  gate: Promise<void> | undefined;
  failNext = false;

  append(ownerId: string, ...numbers: number[]): void {
    this.changes.set(ownerId, [...(this.changes.get(ownerId) ?? []), ...numbers]);
  }

  read = async (ownerId: string, cursor: string | undefined, signal?: AbortSignal): Promise<ChangeFeedPage> => {
    this.reads.push({ ownerId, cursor, signal });
    const after = cursor === undefined ? 0 : Number(cursor);
    const seen = (this.changes.get(ownerId) ?? []).filter((n) => n > after);
    const failing = this.failNext;
    await this.gate;
    if (failing) throw new Error('notes-service unavailable');
    return {
      changes: seen.map((n) => ({ cursor: String(n), json: `{"n":${n}}` })),
      nextCursor: String(seen.at(-1) ?? after),
      hasMore: false,
    };
  };
}

const numbers = (page: ChangeFeedPage) => page.changes.map((change) => Number(change.cursor));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('shared feed reads', () => {
  it('gives the callers that ask for the same owner after the same cursor in one turn one read, and each the page', async () => {
    const feed = new FakeFeed();
    feed.append('alice', 1, 2);
    const read = shareFeedReads(feed.read);
    const pages = await Promise.all([read('alice', '0'), read('alice', '0'), read('alice', '0')]);
    assert.equal(feed.reads.length, 1);
    for (const page of pages) assert.deepEqual(numbers(page), [1, 2]);
  });

  it('reads apart for another cursor or another owner', async () => {
    const feed = new FakeFeed();
    feed.append('alice', 1, 2);
    feed.append('bob', 7);
    const read = shareFeedReads(feed.read);
    const [fromZero, fromOne, bobs, fullSync] = await Promise.all([
      read('alice', '0'),
      read('alice', '1'),
      read('bob', '0'),
      read('alice', undefined),
    ]);
    assert.equal(feed.reads.length, 4);
    assert.deepEqual(numbers(fromZero), [1, 2]);
    assert.deepEqual(numbers(fromOne), [2]);
    assert.deepEqual(numbers(bobs), [7]);
    assert.deepEqual(numbers(fullSync), [1, 2]);
  });

  it('never joins a read already under way: a caller gets what was committed before it asked', async () => {
    const feed = new FakeFeed();
    feed.append('alice', 1);
    const read = shareFeedReads(feed.read);
    let release = () => {};
    feed.gate = new Promise((resolve) => (release = resolve));
    const early = read('alice', '0');
    await nextTurn();
    assert.equal(feed.reads.length, 1, 'the first read has started');
    // A change commits while that read is under way; its signal wakes a stream at the same cursor.
    feed.append('alice', 2);
    const late = read('alice', '0');
    release();
    assert.deepEqual(numbers(await early), [1]);
    assert.deepEqual(numbers(await late), [1, 2], 'the late caller had a read of its own, started after it asked');
    assert.equal(feed.reads.length, 2);
  });

  it('starts the read only after the turn in which the callers asked', async () => {
    const feed = new FakeFeed();
    const read = shareFeedReads(feed.read);
    const page = read('alice', '0');
    // Committed after the first caller asked but before the read starts: that read includes it.
    feed.append('alice', 1);
    const joined = read('alice', '0');
    assert.equal(feed.reads.length, 0);
    assert.deepEqual(numbers(await page), [1]);
    assert.deepEqual(numbers(await joined), [1]);
  });

  it('gives a failed read to everyone who joined it, and the next turn reads afresh', async () => {
    const feed = new FakeFeed();
    feed.append('alice', 1);
    feed.failNext = true;
    const read = shareFeedReads(feed.read);
    const failed = await Promise.allSettled([read('alice', '0'), read('alice', '0')]);
    assert.deepEqual(
      failed.map((outcome) => outcome.status),
      ['rejected', 'rejected'],
    );
    feed.failNext = false;
    assert.deepEqual(numbers(await read('alice', '0')), [1]);
    assert.equal(feed.reads.length, 2);
  });

  it('lets one caller give up without the others losing their read; the last one to give up abandons it', async () => {
    const feed = new FakeFeed();
    feed.append('alice', 1);
    const read = shareFeedReads(feed.read);
    let release = () => {};
    feed.gate = new Promise((resolve) => (release = resolve));
    const [leaving, staying] = [new AbortController(), new AbortController()];
    const left = read('alice', '0', leaving.signal);
    const stays = read('alice', '0', staying.signal);
    await nextTurn();
    leaving.abort(new Error('client gone'));
    await assert.rejects(left, /client gone/);
    assert.equal(feed.reads[0]?.signal?.aborted, false, 'the read goes on for the caller still waiting');
    release();
    assert.deepEqual(numbers(await stays), [1]);

    feed.gate = new Promise(() => {});
    const alone = new AbortController();
    const abandoned = read('alice', '0', alone.signal);
    await nextTurn();
    alone.abort(new Error('client gone'));
    await assert.rejects(abandoned, /client gone/);
    assert.equal(feed.reads[1]?.signal?.aborted, true, 'nobody waits for it any more');

    const never = new AbortController();
    const unstarted = read('alice', '0', never.signal);
    never.abort(new Error('client gone'));
    await assert.rejects(unstarted, /client gone/);
    await nextTurn();
    assert.equal(feed.reads.length, 2, 'a read everyone gave up on before it started never starts');
  });
});
