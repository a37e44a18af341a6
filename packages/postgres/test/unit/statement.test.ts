import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combinedStatement, preparedStatement } from '../../src/statement.ts';

const insertA = preparedStatement('INSERT INTO a (x, y) VALUES ($1, $2)');
const insertB = preparedStatement('INSERT INTO b (x) VALUES ($1)');

test('one text, one name; another text, another name', () => {
  assert.equal(insertA([1, 2]).name, preparedStatement('INSERT INTO a (x, y) VALUES ($1, $2)')([3, 4]).name);
  assert.notEqual(insertA([1, 2]).name, insertB([1]).name);
});

test('writes combine into data-modifying CTEs of the last, their parameters numbered after the previous ones', () => {
  const combined = combinedStatement([insertB([1]), insertA([2, 3]), insertB([4])]);
  assert.equal(
    combined.text,
    'WITH write0 AS (INSERT INTO b (x) VALUES ($1)), write1 AS (INSERT INTO a (x, y) VALUES ($2, $3)) INSERT INTO b (x) VALUES ($4)',
  );
  assert.deepEqual(combined.values, [1, 2, 3, 4]);
  assert.match(combined.name ?? '', /^s[0-9a-f]{32}$/);
  assert.equal(combinedStatement([insertB([5]), insertA([6, 7]), insertB([8])]).name, combined.name, 'prepared once');
});

test('one write is sent as it is; a write that is not prepared makes the combination unprepared', () => {
  const write = insertA([1, 2]);
  assert.equal(combinedStatement([write]), write);
  const combined = combinedStatement([write, { text: 'INSERT INTO b (x) VALUES ($1)', values: [3] }]);
  assert.equal(combined.name, undefined);
  assert.equal(combined.text, 'WITH write0 AS (INSERT INTO a (x, y) VALUES ($1, $2)) INSERT INTO b (x) VALUES ($3)');
});
