import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BargeError, toErrorRecord } from './errors.js';

test("an error record names the error's own path, else the caller's; the root's empty path gives way to the caller's name", () => {
  assert.equal(toErrorRecord(new BargeError('E_IO', 'x', { path: 'a/b' }), 'c').path, 'a/b');
  assert.equal(toErrorRecord(new BargeError('E_IO', 'x'), 'c').path, 'c');
  assert.equal(toErrorRecord(new BargeError('E_PERMISSION', 'set metadata', { path: '' }), '.').path, '.');
  assert.equal(toErrorRecord(new BargeError('E_MAX_DELETE', 'too many', { path: '' }), '').path, '');
  assert.equal(toErrorRecord(new BargeError('E_IO', 'x')).path, undefined);
  assert.deepEqual(toErrorRecord(new Error('boom'), 'f'), { code: 'E_INTERNAL', message: 'boom', path: 'f', retryable: false });
});
