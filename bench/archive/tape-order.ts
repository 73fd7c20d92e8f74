// The tape simulator's answer to "what does reading in tape order save": N files placed at
// random on V volumes, read with D drives in request order (each file its own session, as
// a naive pipeline does) and in tape order (by volume, then position, sessions of at most
// B files). Simulated time only (LTO-9 figures, src/storage/archive/sim/library.ts); the
// machine's speed does not enter.
//
//   node dist/bench/archive/tape-order.js [--files 1000] [--volumes 20] [--drives 4]
//     [--batch 50] [--min-size 0.5GB] [--max-size 3.5GB] [--seed 42]
import { parseArgs } from 'node:util';
import { parseSize } from '../../src/core/units.js';
import { placeFiles, type CatalogueFile } from '../../src/storage/archive/sim/catalogue.js';
import { Faults, NO_FAULTS } from '../../src/storage/archive/sim/faults.js';
import { LTO9, TapeLibrary, type LibraryTotals } from '../../src/storage/archive/sim/library.js';
import { seededRandom } from '../../src/storage/archive/sim/seeded.js';

const { values: o } = parseArgs({
  options: {
    files: { type: 'string', default: '1000' }, volumes: { type: 'string', default: '20' }, drives: { type: 'string', default: '4' },
    batch: { type: 'string', default: '50' }, 'min-size': { type: 'string', default: '0.5GB' }, 'max-size': { type: 'string', default: '3.5GB' },
    seed: { type: 'string', default: '42' },
  },
});
const n = Number(o.files);
const volumes = Number(o.volumes);
const drives = Number(o.drives);
const batch = Number(o.batch);
const seed = Number(o.seed);
const min = parseSize(o['min-size']);
const max = parseSize(o['max-size']);
const rand = seededRandom(seed);
const files = Array.from({ length: n }, (_, i) => ({ path: `f${i}`, size: Math.round(min + (max - min) * rand()) }));

async function drain(lib: TapeLibrary, runs: CatalogueFile[][]): Promise<LibraryTotals> {
  let next = 0;
  await Promise.all(Array.from({ length: drives }, async () => {
    while (next < runs.length) {
      const run = runs[next++] as CatalogueFile[];
      await lib.readRun((run[0] as CatalogueFile).volume, run, () => Promise.resolve());
    }
  }));
  return lib.totals;
}

const library = (): TapeLibrary => new TapeLibrary(placeFiles(files, volumes, seed), drives, LTO9, 0, new Faults(NO_FAULTS, seed));
const requested = library();
const asAsked = await drain(requested, files.map((f) => [requested.catalogue.files.get(f.path) as CatalogueFile]));
const ordered = library();
const sorted = [...ordered.catalogue.files.values()].sort((a, b) => (a.volume < b.volume ? -1 : a.volume > b.volume ? 1 : a.offset - b.offset));
const runs: CatalogueFile[][] = [];
for (const f of sorted) {
  const last = runs.at(-1);
  if (last && (last[0] as CatalogueFile).volume === f.volume && last.length < batch) last.push(f);
  else runs.push([f]);
}
const inOrder = await drain(ordered, runs);

const h = (s: number): string => (s / 3600).toFixed(2);
console.log(`${n} files (${(files.reduce((a, f) => a + f.size, 0) / 1e12).toFixed(2)} TB) on ${volumes} volumes, ${drives} drives, LTO-9`);
console.log('order          mounts  seek h  read h  elapsed h');
for (const [name, t] of [['request order', asAsked], ['tape order', inOrder]] as const) {
  console.log(`${name.padEnd(14)} ${String(t.mounts).padStart(6)}  ${h(t.seekSeconds).padStart(6)}  ${h(t.readSeconds).padStart(6)}  ${h(t.elapsedSeconds).padStart(9)}`);
}
console.log(`tape order / request order, elapsed: ${(inOrder.elapsedSeconds / asAsked.elapsedSeconds).toFixed(3)}`);
