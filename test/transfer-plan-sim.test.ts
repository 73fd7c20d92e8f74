// The plan's estimate (core/transfer-plan.ts) held against the tape simulator it models:
// 1,000 files on 20 volumes with 4 drives, read in request order and in tape order on the
// simulated library (simulated time only), and estimated from the positions alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateRequestOrder, estimateTapeOrder, type LocatedFile } from '../src/core/transfer-plan.js';
import { placeFiles, type CatalogueFile } from '../src/storage/archive/sim/catalogue.js';
import { Faults, NO_FAULTS } from '../src/storage/archive/sim/faults.js';
import { LTO9, TapeLibrary, type LibraryTotals } from '../src/storage/archive/sim/library.js';
import { seededRandom } from '../src/storage/archive/sim/seeded.js';

const DRIVES = 4;
const BATCH = 50;

async function drain(lib: TapeLibrary, runs: CatalogueFile[][]): Promise<LibraryTotals> {
  let next = 0;
  await Promise.all(Array.from({ length: DRIVES }, async () => {
    while (next < runs.length) {
      const run = runs[next++] as CatalogueFile[];
      await lib.readRun((run[0] as CatalogueFile).volume, run, () => Promise.resolve());
    }
  }));
  return lib.totals;
}

test('the estimate is within a quarter of the simulator, in request order and in tape order', async () => {
  const rand = seededRandom(7);
  const files = Array.from({ length: 1000 }, (_, i) => ({ path: `f${i}`, size: Math.round(0.5e9 + 3e9 * rand()) }));
  const library = (): TapeLibrary => new TapeLibrary(placeFiles(files, 20, 7), DRIVES, LTO9, 0, new Faults(NO_FAULTS, 7));
  const asked = library();
  const located: LocatedFile[] = files.map((f) => {
    const c = asked.catalogue.files.get(f.path) as CatalogueFile;
    return { path: f.path, size: c.size, volume: c.volume, position: c.section };
  });
  const simAsked = { ...await drain(asked, files.map((f) => [asked.catalogue.files.get(f.path) as CatalogueFile])) };
  const ordered = library();
  const sorted = [...ordered.catalogue.files.values()].sort((a, b) => (a.volume < b.volume ? -1 : a.volume > b.volume ? 1 : a.offset - b.offset));
  const runs: CatalogueFile[][] = [];
  for (const f of sorted) {
    const last = runs.at(-1);
    if (last && (last[0] as CatalogueFile).volume === f.volume && last.length < BATCH) last.push(f);
    else runs.push([f]);
  }
  const simOrdered = { ...await drain(ordered, runs) };

  const setup = { drives: DRIVES, batchSize: BATCH, quotaBytes: 1e15, costs: LTO9 };
  const estOrdered = estimateTapeOrder(located, setup);
  const estAsked = estimateRequestOrder(located, setup);
  const near = (est: number, sim: number, what: string): void => assert.ok(Math.abs(est - sim) <= 0.25 * sim, `${what}: estimate ${est.toFixed(0)}, simulator ${sim.toFixed(0)}`);
  assert.equal(estOrdered.mounts, simOrdered.mounts);
  near(estAsked.mounts, simAsked.mounts, 'request-order mounts');
  near(estOrdered.elapsedSeconds, simOrdered.elapsedSeconds, 'tape-order elapsed');
  near(estAsked.elapsedSeconds, simAsked.elapsedSeconds, 'request-order elapsed');
  near(estOrdered.readSeconds, simOrdered.readSeconds, 'read');
});
