// The Storage conformance suite: what every backend must do, registered as node:test tests.
// A backend's test file calls storageConformance with a factory for a fresh storage and the
// fixture that prepares and inspects what it stores (conformance/fixture.ts).
import { describe, test } from 'node:test';
import { entryTests } from './conformance/entries.js';
import type { It, StorageUnderTest } from './conformance/helpers.js';
import { copyFromTests, manyFilesTests } from './conformance/fast-paths.js';
import { nameAndMetaTests } from './conformance/names-and-meta.js';
import { partialOwnerTests } from './conformance/partial-owners.js';
import { partialAndSafetyTests } from './conformance/partials-and-safety.js';

export type { FixtureInfo, OutsideArea, StorageFixture } from './conformance/fixture.js';
export type { StorageUnderTest } from './conformance/helpers.js';

export function storageConformance(name: string, make: () => Promise<StorageUnderTest>): void {
  const it: It = (title, body, opts = {}) => {
    void test(title, opts, async (t) => {
      const h = await make();
      try { await body(h, t); } finally { await h.cleanup(); }
    });
  };
  void describe(`Storage conformance: ${name}`, () => {
    entryTests(it);
    nameAndMetaTests(it);
    manyFilesTests(it);
    copyFromTests(it);
    partialAndSafetyTests(it);
    partialOwnerTests(it);
  });
}
