import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeRefreshToken, type RefreshTokenState } from '../../src/domain/refresh-token.ts';

const now = new Date('2026-11-23T10:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const fresh: RefreshTokenState = { expiresAt: later(60_000), usedAt: null, revokedAt: null };

test('an unused, unrevoked token before its expiry is usable', () => {
  assert.equal(judgeRefreshToken(fresh, now), 'usable');
});

test('a token is expired from its expiry instant on', () => {
  assert.equal(judgeRefreshToken(fresh, later(59_999)), 'usable');
  assert.equal(judgeRefreshToken(fresh, later(60_000)), 'expired');
});

test('a token presented after it was used is a reuse', () => {
  assert.equal(judgeRefreshToken({ ...fresh, usedAt: later(-1_000) }, now), 'reused');
});

test('reuse is reported even after expiry: the family may still have a live token', () => {
  assert.equal(judgeRefreshToken({ ...fresh, usedAt: later(-1_000) }, later(120_000)), 'reused');
});

test('a revoked token is revoked, whether it was used or not', () => {
  assert.equal(judgeRefreshToken({ ...fresh, revokedAt: later(-1_000) }, now), 'revoked');
  assert.equal(judgeRefreshToken({ ...fresh, usedAt: later(-2_000), revokedAt: later(-1_000) }, now), 'revoked');
});
