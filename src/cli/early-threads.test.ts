// How many sending threads a push starts before its command line is parsed: no more than
// the --streams it asks for, read from the raw arguments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { streamsAsked } from './early-threads.js';

test('streamsAsked reads --streams N and --streams=N, the last one winning', () => {
  assert.equal(streamsAsked(['src', 'barge://h:1/e/p', '--streams', '1']), 1);
  assert.equal(streamsAsked(['--streams=3', 'src', 'barge://h:1/e/p']), 3);
  assert.equal(streamsAsked(['--streams', '2', '--streams=5', 'a', 'b']), 5);
});

test('streamsAsked leaves a missing or bad value, and anything after --, to the command line parse', () => {
  assert.equal(streamsAsked(['src', 'barge://h:1/e/p']), undefined);
  assert.equal(streamsAsked(['src', 'dst', '--streams']), undefined);
  for (const bad of ['0', '-1', 'two', '1.5', '']) assert.equal(streamsAsked(['--streams', bad]), undefined, bad);
  assert.equal(streamsAsked(['a', '--', '--streams', '1']), undefined);
});
