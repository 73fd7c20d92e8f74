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

test('bytes (xattr values) survive a round trip as Uint8Arrays, from a Uint8Array, a Buffer or a slice of one', () => {
  const big = Buffer.from('....\x00\x01\xfe\xff....', 'latin1');
  const v = { values: { 'user.a': new Uint8Array([0, 1, 254, 255]), 'user.b': Buffer.from([7, 8]), 'user.c': big.subarray(4, 8), 'user.e': new Uint8Array(0) }, m: 1n };
  const back = parseWithBigints<{ values: Record<string, Uint8Array>; m: bigint }>(stringifyWithBigints(v));
  for (const [k, want] of Object.entries(v.values)) {
    const got = back.values[k] as Uint8Array;
    assert.ok(got instanceof Uint8Array && !Buffer.isBuffer(got), `${k} is a plain Uint8Array, as a structured clone gives`);
    assert.deepEqual([...got], [...want], k);
  }
  assert.equal(back.m, 1n);
  assert.deepEqual(parseWithBigints(JSON.stringify({ x: { $bytes: 'AA==', y: 2 } })), { x: { $bytes: 'AA==', y: 2 } }, 'other keys beside $bytes: an object');
});
