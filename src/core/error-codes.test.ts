import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeOfStatus, ERROR_CODES, isExposed } from './error-codes.js';
import { BargeError } from './errors.js';

test('a bare status names a code only where the auth check gave it: 401 and 403', () => {
  assert.equal(codeOfStatus(401), 'E_AUTH');
  assert.equal(codeOfStatus(403), 'E_FORBIDDEN');
  for (const s of [200, 400, 404, 409, 413, 500, 502]) assert.equal(codeOfStatus(s), undefined, String(s));
});

test('a BargeError is retryable as its code says, unless told otherwise', () => {
  for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
    assert.equal(new BargeError(code, 'x').retryable, ERROR_CODES[code].retryable, code);
  }
  assert.deepEqual(Object.entries(ERROR_CODES).filter(([, f]) => f.retryable).map(([c]) => c), ['E_CHECKSUM', 'E_IO', 'E_NETWORK', 'E_UNAVAILABLE', 'E_ARCHIVE', 'E_BUFFER_FULL']);
  assert.equal(new BargeError('E_IO', 'x', { retryable: false }).retryable, false);
});

test('the API exposes a code by its status unless the status is 500; E_INTERNAL is never exposed', () => {
  assert.equal(isExposed('E_NOT_FOUND'), true);
  assert.equal(isExposed('E_IO'), false);
  assert.equal(isExposed('E_INTERNAL'), false);
});
