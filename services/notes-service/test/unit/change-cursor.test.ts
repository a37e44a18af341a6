import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ChangeCursor,
  decodeChangeCursor,
  encodeChangeCursor,
  resolveChangeLimit,
} from '../../src/domain/change-cursor.ts';
import { InvalidChangeLimit, InvalidCursor } from '../../src/domain/errors.ts';

describe('change limit', () => {
  test('0 means the default of 100; 1 to 500 are taken as they are', () => {
    assert.equal(resolveChangeLimit(0), 100);
    for (const limit of [1, 100, 499, 500]) assert.equal(resolveChangeLimit(limit), limit);
  });

  test('anything else is refused, naming the limit field', () => {
    for (const limit of [-1, 501, 2.5, Number.NaN]) {
      assert.throws(
        () => resolveChangeLimit(limit),
        (error) => error instanceof InvalidChangeLimit && error.field === 'limit',
        `limit ${limit}`,
      );
    }
  });
});

describe('change cursor', () => {
  const since = { xmin: 1_000_000_007n, xmax: 1_000_000_020n, inProgress: [1_000_000_007n, 1_000_000_011n] };
  const until = { xmin: 1_000_000_011n, xmax: 1_000_000_031n, inProgress: [1_000_000_011n] };
  const noteId = '0190f5f4-7b1c-7a3e-8f00-3c5d2b1a9e77';
  const cursors: Record<string, ChangeCursor> = {
    'a finished pass': { since },
    'a finished pass of a snapshot with nothing in progress': { since: { xmin: 3n, xmax: 3n, inProgress: [] } },
    'a pass under way': { since, pass: { until, after: { xid: 1_000_000_015n, noteId } } },
    'a full sync under way': { since: undefined, pass: { until, after: { xid: 5n, noteId } } },
    'the largest transaction ids': {
      since: { xmin: 2n ** 63n - 2n, xmax: 2n ** 63n - 1n, inProgress: [2n ** 63n - 2n] },
    },
  };

  for (const [name, cursor] of Object.entries(cursors)) {
    test(`decodes back to what it was made from: ${name}`, () => {
      assert.deepEqual(decodeChangeCursor(encodeChangeCursor(cursor)), cursor);
    });
  }

  test('is short, URL-safe text', () => {
    const cursor = encodeChangeCursor({ since });
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    // The ids in progress and xmax are offsets from xmin.
    assert.equal(Buffer.from(cursor, 'base64url').toString('utf8'), '1000000007:13:0,4');
  });

  const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
  const garbage: Record<string, string> = {
    'an empty string': '',
    'not base64url': '!!!*** ',
    'a list cursor': base64url(`2026-11-23T10:00:00.123Z,${noteId}`),
    'a full sync without a pass (no cursor is that)': base64url('*'),
    'xmin 0': base64url('0:5:'),
    'a snapshot without its in-progress part': base64url('7:13'),
    'a snapshot with a fourth part': base64url('7:13::1'),
    'a negative offset': base64url('7:-1:'),
    'leading zeros': base64url('07:13:'),
    'in progress at or beyond xmax': base64url('7:13:13'),
    'in progress out of order': base64url('7:13:4,2'),
    'in progress twice': base64url('7:13:2,2'),
    'a transaction id of 2^63': base64url(`${2n ** 63n}:0:`),
    'xmax beyond 2^63 - 1': base64url(`${2n ** 63n - 2n}:2:`),
    'a pass without its position': base64url('7:13:|11:20:'),
    'a pass with a malformed note id': base64url('7:13:|11:20:|15|not-a-uuid'),
    'a pass with an upper-case note id': base64url(`7:13:|11:20:|15|${noteId.toUpperCase()}`),
    'a pass with a bad since': base64url(`x|11:20:|15|${noteId}`),
    'a pass without until': base64url(`7:13:||15|${noteId}`),
    'a valid cursor with a character dropped by the decoder': `${encodeChangeCursor({ since })}!`,
  };

  for (const [name, cursor] of Object.entries(garbage)) {
    test(`refuses ${name}, naming the cursor field`, () => {
      assert.throws(
        () => decodeChangeCursor(cursor),
        (error) => error instanceof InvalidCursor && error.field === 'cursor',
      );
    });
  }
});
