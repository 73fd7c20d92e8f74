import assert from 'node:assert/strict';
import { test } from 'node:test';
import { showName } from './byte-names.js';

test('names show valid UTF-8 as is and every other byte as \\xNN', () => {
  assert.equal(showName(Buffer.from('plain name')), 'plain name');
  assert.equal(showName(Buffer.from('é✓😀')), 'é✓😀');
  assert.equal(showName(Buffer.from([0x62, 0xff, 0x2e])), 'b\\xff.');
  // a lead byte without its continuation, an overlong form, a lone continuation byte
  assert.equal(showName(Buffer.from([0xc3, 0x41])), '\\xc3A');
  assert.equal(showName(Buffer.from([0xc0, 0xaf])), '\\xc0\\xaf');
  assert.equal(showName(Buffer.from([0x80, 0xe2, 0x9c])), '\\x80\\xe2\\x9c');
});
