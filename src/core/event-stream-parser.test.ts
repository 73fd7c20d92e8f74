import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventStreamParser } from './event-stream-parser.js';

test('events cut across pieces, comments skipped, data lines joined, CRLF taken', () => {
  const p = new EventStreamParser();
  assert.deepEqual(p.push(': connected\n\nevent: requ'), []);
  assert.deepEqual(p.push('est\ndata: {"id":"a"}\n'), []);
  assert.deepEqual(p.push('\n: ping\n\ndata: one\r\ndata:two\r\n\r\n'), [
    { event: 'request', data: '{"id":"a"}' },
    { event: 'message', data: 'one\ntwo' },
  ]);
});

test('a block without data is no event; the rest waits for its blank line', () => {
  const p = new EventStreamParser();
  assert.deepEqual(p.push('event: request\n\nevent: request\ndata: x'), []);
  assert.deepEqual(p.push('\n\n'), [{ event: 'request', data: 'x' }]);
});
