import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidCursor, InvalidPageLimit } from '../../src/domain/errors.ts';
import { decodeCursor, decodeRankedCursor, encodeCursor, resolvePageLimit } from '../../src/domain/page.ts';

describe('page limit', () => {
  test('0 means the default of 20', () => {
    assert.equal(resolvePageLimit(0), 20);
  });

  test('1 to 100 are taken as they are', () => {
    for (const limit of [1, 2, 50, 99, 100]) assert.equal(resolvePageLimit(limit), limit);
  });

  test('anything else is refused, naming the limit field', () => {
    for (const limit of [-1, 101, 1_000, 2.5, Number.NaN]) {
      assert.throws(
        () => resolvePageLimit(limit),
        (error) => error instanceof InvalidPageLimit && error.field === 'limit',
        `limit ${limit}`,
      );
    }
  });
});

describe('cursor', () => {
  const position = { createdAt: new Date('2026-11-23T10:00:00.123Z'), id: '0190f5f4-7b1c-7a3e-8f00-3c5d2b1a9e77' };

  test('decodes back to the position it was made from, to the millisecond', () => {
    const decoded = decodeCursor(encodeCursor(position));
    assert.equal(decoded.createdAt.getTime(), position.createdAt.getTime());
    assert.equal(decoded.id, position.id);
  });

  test('is URL-safe text that does not spell out the position', () => {
    const cursor = encodeCursor(position);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.ok(!cursor.includes(position.id));
  });

  const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
  const garbage: Record<string, string> = {
    'an empty string': '',
    'not base64url': '!!!*** ',
    'random base64url': base64url('hello world'),
    'a time without an id': base64url('2026-11-23T10:00:00.123Z'),
    'an id without a time': base64url(`,${position.id}`),
    'a malformed id': base64url('2026-11-23T10:00:00.123Z,not-a-uuid'),
    'an upper-case id': base64url(`2026-11-23T10:00:00.123Z,${position.id.toUpperCase()}`),
    'a time without milliseconds': base64url(`2026-11-23T10:00:00Z,${position.id}`),
    'a time with an offset': base64url(`2026-11-23T11:00:00.123+01:00,${position.id}`),
    'a day that does not exist': base64url(`2026-02-30T10:00:00.123Z,${position.id}`),
    'an hour that does not exist': base64url(`2026-11-23T25:00:00.123Z,${position.id}`),
    'a year beyond four digits': base64url(`+275760-09-13T00:00:00.000Z,${position.id}`),
    'a third part': base64url(`2026-11-23T10:00:00.123Z,${position.id},x`),
    'padding after a valid cursor': `${encodeCursor(position)}=`,
    'junk after a valid cursor': `${encodeCursor(position)}.*`,
    'standard base64 of a valid position': Buffer.from(`2026-11-23T10:00:00.123Z,${position.id}`).toString('base64'),
  };
  for (const [name, cursor] of Object.entries(garbage)) {
    test(`refuses ${name}`, () => {
      assert.throws(
        () => decodeCursor(cursor),
        (error) => error instanceof InvalidCursor && error.code === 'INVALID_CURSOR' && error.field === 'cursor',
      );
    });
  }
});

describe('cursor of a page by relevance', () => {
  const position = { createdAt: new Date('2026-11-23T10:00:00.123Z'), id: '0190f5f4-7b1c-7a3e-8f00-3c5d2b1a9e77' };
  // float4 values as PostgreSQL sends them, parsed as the driver parses them.
  const ranks = [0, 0.0607927, 0.09910322, 1e-20, 3.4028235e38, 0.1, 1];

  test('carries the rank exactly, bound to its fingerprint', () => {
    for (const rank of ranks) {
      const decoded = decodeRankedCursor(encodeCursor({ ...position, rank }, 'fp'), 'fp');
      assert.equal(decoded.rank, rank);
      assert.equal(decoded.id, position.id);
      assert.equal(decoded.createdAt.getTime(), position.createdAt.getTime());
    }
  });

  test('is not taken for a position without a rank, nor the other way round, nor under another fingerprint', () => {
    const ranked = encodeCursor({ ...position, rank: 0.5 }, 'fp');
    assert.throws(() => decodeCursor(ranked, 'fp'), InvalidCursor);
    assert.throws(() => decodeRankedCursor(ranked, 'other'), InvalidCursor);
    assert.throws(() => decodeRankedCursor(encodeCursor(position, 'fp'), 'fp'), InvalidCursor);
  });

  const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
  for (const rank of ['-1', 'NaN', 'Infinity', '0.50', '1e400', '0x10', ' 1', '']) {
    test(`refuses the rank ${JSON.stringify(rank)}`, () => {
      assert.throws(
        () => decodeRankedCursor(base64url(`2026-11-23T10:00:00.123Z,${position.id},fp,${rank}`), 'fp'),
        InvalidCursor,
      );
    });
  }
});
