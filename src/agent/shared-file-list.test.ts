import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedFileList, shareFileList } from './shared-file-list.js';

test('a file list crosses as shared bytes and comes back the same', () => {
  for (const list of [[], ['a'], ['d/f1', 'ü/ñ name', 'x\ny', 'deep/er/path']]) {
    const shared = shareFileList(list);
    assert.ok(shared instanceof SharedArrayBuffer);
    assert.deepEqual(sharedFileList(shared), list);
  }
});
