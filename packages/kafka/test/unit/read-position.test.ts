import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GroupMember, RawMessage } from '../../src/delivery.ts';
import { placeInSequence } from '../../src/read-position.ts';

const topic = 'notes.events';

function message(offset: bigint, partition = 0): RawMessage {
  return { topic, partition, offset, leaderEpoch: 3 } as unknown as RawMessage;
}

/** A member holding partition 0 whose group has committed `committed` (-1: nothing), recording what it commits. */
function member(committed: bigint, held: number[] = [0]) {
  const commits: bigint[] = [];
  let asked = 0;
  const fake = {
    assignments: [{ topic, partitions: held }],
    async listCommittedOffsets() {
      asked += 1;
      return new Map([[topic, [committed]]]);
    },
    async commit({ offsets }: { offsets: { offset: bigint }[] }) {
      commits.push(...offsets.map(({ offset }) => offset));
    },
  };
  return { member: fake as unknown as GroupMember, commits, asked: () => asked };
}

test('the next offset is delivered and an earlier one passed, without asking the group', async () => {
  const group = member(0n);
  assert.equal(await placeInSequence(group.member, { next: 5n }, message(5n)), 'deliver');
  assert.equal(await placeInSequence(group.member, { next: 5n }, message(4n)), 'pass');
  assert.equal(group.asked(), 0);
});

test('a message of a partition the member no longer holds makes the stream read again, committing nothing', async () => {
  const group = member(-1n, [1]);
  assert.equal(await placeInSequence(group.member, { next: 5n }, message(5n)), 'read-again');
  assert.deepEqual(group.commits, []);
});

test('past a gap the group committed over, the message is delivered and the position moves up', async () => {
  const group = member(9n);
  const position = { next: 5n };
  assert.equal(await placeInSequence(group.member, position, message(9n)), 'deliver');
  assert.equal(position.next, 9n);
});

test('a message the group committed past is passed', async () => {
  const group = member(12n);
  assert.equal(await placeInSequence(group.member, { next: 5n }, message(9n)), 'pass');
});

test('past a gap nobody handled, the stream reads again from the position, committed first if the group was behind', async () => {
  const never = member(-1n);
  assert.equal(await placeInSequence(never.member, { next: 5n }, message(10n)), 'read-again');
  assert.deepEqual(never.commits, [5n]);

  const behind = member(7n);
  assert.equal(await placeInSequence(behind.member, { next: 5n }, message(10n)), 'read-again');
  assert.deepEqual(behind.commits, [], 'the group had handled up to 7 already: reading again starts there');
});
