import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairFeatures } from './pair-features.js';
import type { StorageFeatures } from './storage.js';

const posix: StorageFeatures = { symlinks: true, posixMeta: true, hardlinks: true, sparse: true, owner: false, mtimeResolutionNs: 1n, staging: false, checksSentHash: false };

test('a pair keeps what its destination keeps; hard links need both sides; the coarser mtime step wins', () => {
  assert.deepEqual(pairFeatures(posix, posix), { symlinks: true, hardlinks: true, sparse: true, mtimeResolutionNs: 1n, maxChunkSize: undefined });
  const flat: StorageFeatures = { ...posix, symlinks: false, hardlinks: false, sparse: false, mtimeResolutionNs: 2_000_000_000n, maxChunkSize: 5 << 20 };
  assert.deepEqual(pairFeatures(posix, flat), { symlinks: false, hardlinks: false, sparse: false, mtimeResolutionNs: 2_000_000_000n, maxChunkSize: 5 << 20 });
  assert.equal(pairFeatures(flat, posix).hardlinks, false, 'a source without hard links has none to keep');
  assert.equal(pairFeatures(flat, posix).mtimeResolutionNs, 2_000_000_000n);
});
