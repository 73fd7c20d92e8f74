import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWithBigints, stringifyWithBigints } from './json-bigint.js';

test('bigints survive a round trip, nested, negative and beyond 2^53', () => {
  const v = { a: -123456789012345678901n, b: [1n, { c: 9007199254740993n }], s: '$big', n: 5 };
  assert.deepEqual(parseWithBigints(stringifyWithBigints(v)), v);
});

test('an object with other keys beside $big stays an object', () => {
  const v = { x: { $big: '1', y: 2 } };
  assert.deepEqual(parseWithBigints(JSON.stringify(v)), v);
});
