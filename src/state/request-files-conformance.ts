// A request's file list is kept apart from its row, on every engine: given at creation,
// read back whole; a second creation under the same id changes neither row nor list.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NewRequest } from './state-store.js';
import type { StoreUnderTest } from './state-conformance.js';

const base = (id: string): NewRequest => ({
  id, priority: 5, source: 'a:/', destination: 'b:/', srcEndpoint: 'a', dstEndpoint: 'b', spec: '{"filesListed":2}',
});

export function requestFilesConformance(name: string, make: () => Promise<StoreUnderTest | undefined>, skip?: string): void {
  describe(`request files: ${name}`, { skip }, () => {
    test('a file list is kept apart and read back whole; none without one; a duplicate id keeps the first', async () => {
      const u = await make();
      assert.ok(u, 'the store under test was made');
      try {
        const big = JSON.stringify(Array.from({ length: 50_000 }, (_, i) => `dir${i % 97}/file-${i}.dat`));
        assert.equal(await u.store.createRequest({ ...base('r1'), files: big }, 1), true);
        assert.equal(await u.store.requestFiles('r1'), big);
        assert.equal(await u.store.createRequest(base('r2'), 1), true);
        assert.equal(await u.store.requestFiles('r2'), undefined);
        assert.equal(await u.store.createRequest({ ...base('r1'), files: '["other"]' }, 2), false);
        assert.equal(await u.store.requestFiles('r1'), big);
        assert.equal((await u.store.getRequest('r1'))?.spec, '{"filesListed":2}', 'the row holds the spec, not the list');
      } finally {
        await u.cleanup();
      }
    });
  });
}
