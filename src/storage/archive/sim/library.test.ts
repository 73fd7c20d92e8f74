// The simulated library's cost model and its seeded faults, with no real delay (scale 0).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { placeFiles, type CatalogueFile } from './catalogue.js';
import { Faults, NO_FAULTS, parseFaults } from './faults.js';
import { LTO9, TapeLibrary } from './library.js';
import { seededRandom } from './seeded.js';

const GB = 1e9;

function thousandFiles(): Array<{ path: string; size: number }> {
  const rand = seededRandom(42);
  return Array.from({ length: 1000 }, (_, i) => ({ path: `f${String(i).padStart(4, '0')}`, size: Math.round((0.5 + 3 * rand()) * GB) }));
}

/** `workers` sessions at once, each taking the next run off the list */
async function drain(lib: TapeLibrary, runs: CatalogueFile[][], workers: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < runs.length) {
      const run = runs[next++] as CatalogueFile[];
      const errors = await lib.readRun((run[0] as CatalogueFile).volume, run, () => Promise.resolve());
      assert.ok(errors.every((e) => e === undefined));
    }
  }));
}

void test('1,000 files on 20 tapes, 4 drives: by volume and position, 20 mounts and under 0.35 of the time in request order', async () => {
  const files = thousandFiles();
  const requestOrder = new TapeLibrary(placeFiles(files, 20, 7), 4, LTO9, 0, new Faults(NO_FAULTS, 7));
  await drain(requestOrder, files.map((f) => [requestOrder.catalogue.files.get(f.path) as CatalogueFile]), 4);

  const ordered = new TapeLibrary(placeFiles(files, 20, 7), 4, LTO9, 0, new Faults(NO_FAULTS, 7));
  const sorted = [...ordered.catalogue.files.values()].sort((a, b) => (a.volume < b.volume ? -1 : a.volume > b.volume ? 1 : a.offset - b.offset));
  const runs: CatalogueFile[][] = [];
  for (const f of sorted) {
    const last = runs.at(-1);
    // sessions of at most 20 files: a volume is served in several, and stays mounted between them
    if (last && (last[0] as CatalogueFile).volume === f.volume && last.length < 20) last.push(f);
    else runs.push([f]);
  }
  await drain(ordered, runs, 4);

  const a = requestOrder.totals;
  const b = ordered.totals;
  assert.equal(a.files, 1000);
  assert.equal(b.files, 1000);
  assert.equal(a.bytes, b.bytes);
  assert.ok(Math.abs(a.readSeconds - b.readSeconds) < 1e-6, 'the same bytes read at the same rate');
  assert.equal(b.mounts, 20, 'one mount per volume');
  assert.ok(a.mounts > 600, `request order mounts again for most files (${a.mounts})`);
  assert.ok(b.seekSeconds < a.seekSeconds / 10, `seeks: ${b.seekSeconds} vs ${a.seekSeconds}`);
  assert.ok(b.elapsedSeconds <= 0.35 * a.elapsedSeconds, `elapsed ${b.elapsedSeconds / 3600} h vs ${a.elapsedSeconds / 3600} h`);
  // the model's figures are those of the issue's own: about 14 h against about 2 h
  assert.ok(a.elapsedSeconds / 3600 > 10 && b.elapsedSeconds / 3600 < 4, `${a.elapsedSeconds / 3600} h, ${b.elapsedSeconds / 3600} h`);
});

void test('a locate costs in proportion to the distance; an unload rewinds', async () => {
  const files = [{ path: 'a', size: 100 }, { path: 'b', size: 100 }, { path: 'c', size: 100 }, { path: 'd', size: 100 }];
  const cat = placeFiles(files, 1, 1);
  const timing = { ...LTO9, readRate: 1e12 };
  const lib = new TapeLibrary(cat, 1, timing, 0, new Faults(NO_FAULTS, 1));
  const byOffset = [...cat.files.values()].sort((x, y) => x.offset - y.offset);
  const last = byOffset[3] as CatalogueFile;
  await lib.readRun(last.volume, [last], () => Promise.resolve());
  // from the start to 300 of 400 bytes: 3 x 65 s x 300/400
  assert.equal(Math.round(lib.totals.seekSeconds * 1000) / 1000, 146.25);
  assert.equal(lib.totals.mounts, 1);
  assert.equal(lib.totals.loadSeconds, 16);
  // having read the last file the head is at the end: back to the start is the whole length, 3 x 65 s
  const first = byOffset[0] as CatalogueFile;
  await lib.readRun(first.volume, [first], () => Promise.resolve());
  assert.equal(Math.round(lib.totals.seekSeconds * 1000) / 1000, 146.25 + 195);
});

void test('mounting another volume rewinds and unloads the one in the drive', async () => {
  const cat = placeFiles([{ path: 'a', size: 100 }, { path: 'b', size: 100 }], 2, 1);
  const lib = new TapeLibrary(cat, 1, { ...LTO9, readRate: 1e12 }, 0, new Faults(NO_FAULTS, 1));
  const [a, b] = [cat.files.get('a') as CatalogueFile, cat.files.get('b') as CatalogueFile];
  await lib.readRun(a.volume, [a], () => Promise.resolve());
  const seekBefore = lib.totals.seekSeconds;
  await lib.readRun(b.volume, [b], () => Promise.resolve());
  assert.equal(lib.totals.unmounts, 1);
  assert.equal(lib.totals.unloadSeconds, 56);
  assert.equal(lib.totals.mounts, 2);
  // the head was at the end of the tape (100 of 100 bytes): the rewind is the full length
  assert.equal(lib.totals.seekSeconds - seekBefore, 195);
  // robot and load twice, the rewind, the unload and the robot taking the first back
  assert.ok(Math.abs(lib.totals.elapsedSeconds - (2 * (10 + 16) + 195 + 56 + 10)) < 1e-6, String(lib.totals.elapsedSeconds));
});

void test('faults fire as seeded: named ones for sure, rates the same for the same seed', async () => {
  const files = Array.from({ length: 400 }, (_, i) => ({ path: `f${i}`, size: 1000 }));
  const cat = placeFiles(files, 4, 3);
  const [f1, f2] = [...cat.files.values()].filter((f) => f.volume !== 'VOL002') as [CatalogueFile, CatalogueFile];
  const spec = parseFaults(`lost:${f1.path}, file-error:${f2.path}, mount-failure:VOL002, drive-failure:0`, 'test');
  const lib = new TapeLibrary(cat, 3, LTO9, 0, new Faults(spec, 3));
  const [lost] = await lib.readRun(f1.volume, [f1], () => Promise.resolve());
  assert.equal(lost?.code, 'E_ARCHIVE');
  assert.equal(lost?.retryable, false);
  assert.match(lost?.message ?? '', /^lost: not readable on VOL\d+ \(section \d+\)$/);
  assert.equal(lib.totals.brokenDrives, 1, 'drive 0 broke at its first mount; the volume went to drive 1');
  const [first] = await lib.readRun(f2.volume, [f2], () => Promise.resolve());
  assert.equal(first?.retryable, true);
  const [second] = await lib.readRun(f2.volume, [f2], () => Promise.resolve());
  assert.equal(second, undefined, 'a file error passes on the next attempt');
  const v2 = [...lib.catalogue.files.values()].find((f) => f.volume === 'VOL002') as CatalogueFile;
  const mountsBefore = lib.totals.mounts;
  const [onV2] = await lib.readRun('VOL002', [v2], () => Promise.resolve());
  assert.equal(onV2, undefined, 'the failed mount was tried again');
  assert.ok(lib.totals.failedMounts >= 2, 'the broken drive and the failed mount');
  assert.equal(lib.totals.mounts - mountsBefore, 2, 'one failed mount and one good one');

  const rates = async (seed: number): Promise<string[]> => {
    const l = new TapeLibrary(placeFiles(files, 4, 3), 2, LTO9, 0, new Faults(parseFaults('lost=0.05', 't'), seed));
    const out: string[] = [];
    for (const f of l.catalogue.files.values()) if ((await l.readRun(f.volume, [f], () => Promise.resolve()))[0]) out.push(f.path);
    return out.sort();
  };
  const once = await rates(11);
  assert.deepEqual(await rates(11), once, 'the same seed loses the same files');
  assert.notDeepEqual(await rates(12), once, 'another seed loses others');
  assert.ok(once.length > 5 && once.length < 40, `about 5% of 400 lost: ${once.length}`);
});

void test('a bad fault spec names the item', () => {
  assert.throws(() => parseFaults('lost=2', 'endpoints.tape.faults'), { code: 'E_CONFIG', message: /endpoints\.tape\.faults: fault lost: rate must be 0 to 1, got "2"/ });
  assert.throws(() => parseFaults('melt=0.1', 'x'), { code: 'E_CONFIG', message: /x: bad fault "melt=0.1": expected KIND=RATE or KIND:NAME/ });
});
