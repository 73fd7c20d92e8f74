import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InlineWrites } from './inline-writes.js';

test('writes stay inline until one is slow; then the pool takes them for the back-off, and inline is tried again after', () => {
  let t = 1000;
  const w = new InlineWrites(() => t, 20, 10_000);
  assert.equal(w.inline, true);
  assert.equal(w.run(() => { t += 5; return 'fast'; }), 'fast');
  assert.equal(w.inline, true, 'a 5 ms write keeps writes inline');
  w.run(() => { t += 25; });
  assert.equal(w.inline, false, 'a 25 ms write sends the next ones to the pool');
  t += 9_999;
  assert.equal(w.inline, false);
  t += 1;
  assert.equal(w.inline, true, 'after the back-off they are tried inline again');
  assert.throws(() => w.run(() => { t += 30; throw new Error('EIO'); }), /EIO/);
  assert.equal(w.inline, false, 'a slow write that failed counts as slow too');
});
