// The memory storage kind, registered as test set-up registers any kind (the one line below):
// it passes the Storage conformance suite, and the registry parses and opens its endpoints.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { knownStorageKinds, openStorage, registerStorageKind, storageKind } from '../src/storage/registry.js';
import { storageConformance } from '../src/storage/storage-conformance.js';
import { memoryFixture } from './memory-storage/memory-fixture.js';
import { memoryKind } from './memory-storage/memory-kind.js';
import { MemoryStorage } from './memory-storage/memory-storage.js';
import { newDir } from './memory-storage/memory-tree.js';

registerStorageKind(memoryKind);

storageConformance('memory', () => {
  const tree = newDir();
  return Promise.resolve({ storage: new MemoryStorage('memory:conformance', tree), fixture: memoryFixture(tree), cleanup: () => Promise.resolve() });
});

void describe('the memory kind through the registry', () => {
  void test('an endpoint table parses to a description that openStorage opens; opens of one volume share its files', async () => {
    assert.deepEqual(knownStorageKinds(), ['posix', 'archive', 'memory']);
    const endpoint = storageKind('memory').parseEndpoint({ volume: 'v1', site: 'here', write: true }, 'barge.toml: endpoints.m');
    assert.deepEqual(endpoint, { kind: 'memory', volume: 'v1' });
    const a = openStorage(endpoint);
    assert.ok(a instanceof MemoryStorage);
    assert.equal(a.root, 'memory:v1');
    await a.mkdir('d');
    assert.equal((await openStorage(endpoint).stat('d'))?.type, 'dir');
    const other = { kind: 'memory', volume: 'v2' };
    assert.equal(await openStorage(other).stat('d'), undefined);
  });
  void test('a bad table is E_CONFIG naming the key; an unknown kind names the known ones', () => {
    assert.throws(() => storageKind('memory').parseEndpoint({}, 'barge.toml: endpoints.m'),
      { code: 'E_CONFIG', message: 'barge.toml: endpoints.m.volume: missing (required)' });
    assert.throws(() => openStorage({ kind: 'nfs' }), { code: 'E_CONFIG', message: "unknown storage kind 'nfs' (known: posix, archive, memory)" });
  });
});
