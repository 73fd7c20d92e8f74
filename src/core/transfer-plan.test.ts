import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateRequestOrder, estimateTapeOrder, estimateTransfer, runSessions, tapeSessions, type LocatedFile, type TapeCosts } from './transfer-plan.js';

const LTO9: TapeCosts = { loadS: 16, unloadS: 56, locateS: 65, robotS: 10, readRate: 400e6 };
const GB = 1e9;

/** a small seeded generator (the tests' layouts are the same every run) */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** n files of 0.5 to 3.5 GB placed at random on `volumes` volumes, one after another on each: in the order asked */
function layout(n: number, volumes: number, seed: number): LocatedFile[] {
  const rand = random(seed);
  const next = new Map<string, number>();
  return Array.from({ length: n }, (_, i) => {
    const volume = `VOL${String(Math.floor(rand() * volumes)).padStart(3, '0')}`;
    const position = (next.get(volume) ?? 0) + 1;
    next.set(volume, position);
    return { path: `f${i}`, size: Math.round(0.5 * GB + 3 * GB * rand()), volume, position };
  });
}

test('1,000 files on 20 volumes with 4 drives: tape order mounts each volume once and takes far less time than request order', () => {
  const files = layout(1000, 20, 42);
  const setup = { drives: 4, batchSize: 50, quotaBytes: 1e15, costs: LTO9 };
  const ordered = estimateTapeOrder(files, setup);
  const asked = estimateRequestOrder(files, setup);
  const bytes = files.reduce((n, f) => n + f.size, 0);
  assert.equal(ordered.volumes, 20);
  assert.equal(ordered.mounts, 20, 'one mount per volume');
  assert.ok(asked.mounts > 700, `request order remounts nearly every file: ${asked.mounts}`);
  // the same bytes are read either way
  assert.ok(Math.abs(ordered.readSeconds - bytes / 400e6) < 1e-6 && Math.abs(asked.readSeconds - bytes / 400e6) < 1e-6);
  // the drives work in parallel: never less than the work spread over them, never more than all of it on one
  for (const e of [ordered, asked]) {
    const work = e.robotSeconds + e.loadSeconds + e.unloadSeconds + e.locateSeconds + e.readSeconds;
    assert.ok(e.elapsedSeconds >= work / 4 - 1e-6 && e.elapsedSeconds <= work + 1e-6, JSON.stringify(e));
  }
  assert.ok(ordered.elapsedSeconds <= 0.35 * asked.elapsedSeconds, `tape order ${ordered.elapsedSeconds} s against ${asked.elapsedSeconds} s`);
  // in tape order the head travels each volume once: at most 3 average locates a volume forth and 3 back
  assert.ok(ordered.locateSeconds <= 20 * 6 * 65 + 1e-6, String(ordered.locateSeconds));
  assert.ok(asked.locateSeconds > 5 * ordered.locateSeconds);
});

test('a volume bigger than the buffer is staged in several sessions of at most half the buffer, on one mount', () => {
  const files: LocatedFile[] = Array.from({ length: 10 }, (_, i) => ({ path: `big${i}`, size: GB, volume: 'VOL001', position: 10 - i }));
  const setup = { drives: 4, batchSize: 500, quotaBytes: 4 * GB, costs: LTO9 };
  const sessions = tapeSessions(files, setup.batchSize, setup.quotaBytes / 2);
  assert.deepEqual(sessions.map((s) => s.map((f) => f.position)), [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]], 'position order, 2 GB each');
  const e = estimateTapeOrder(files, setup);
  assert.equal(e.sessions, 5);
  assert.equal(e.mounts, 1, 'the drive that holds the volume takes its next session');
  assert.equal(e.largestSessionBytes, 2 * GB);
  // one volume is in one drive at a time: no parallelism to gain
  assert.ok(e.elapsedSeconds >= e.readSeconds + e.loadSeconds);
  const t = estimateTransfer(files, 100e6, { located: files, setup });
  assert.equal(t.bytes, 10 * GB);
  assert.equal(t.transferSeconds, 100);
  // shipping at 100 MB/s is slower than reading at 400 MB/s: the ETA is the first session plus all the shipping
  assert.equal(t.etaSeconds, Math.max(e.elapsedSeconds + 20, e.firstSessionSeconds + 100));
  assert.ok(t.etaSeconds >= t.transferSeconds);
});

test('no more drives stage at once than the buffer holds sessions', () => {
  const files: LocatedFile[] = Array.from({ length: 16 }, (_, i) => ({ path: `f${i}`, size: GB, volume: `V${i % 4}`, position: Math.floor(i / 4) + 1 }));
  const roomy = estimateTapeOrder(files, { drives: 4, batchSize: 500, quotaBytes: 100 * GB, costs: LTO9 });
  const tight = estimateTapeOrder(files, { drives: 4, batchSize: 500, quotaBytes: 4 * GB, costs: LTO9 });
  assert.equal(roomy.drivesUsed, 4);
  assert.equal(tight.drivesUsed, 2, 'sessions of 2 GB in a 4 GB buffer: two at once');
  assert.equal(roomy.mounts, 4);
  assert.equal(tight.mounts, 4);
  assert.ok(tight.elapsedSeconds > 1.5 * roomy.elapsedSeconds, `${tight.elapsedSeconds} against ${roomy.elapsedSeconds}`);
});

test('batch size cuts sessions; a file above the session bound is a session of its own', () => {
  const f = (p: number, size = 1): LocatedFile => ({ path: `p${p}`, size, volume: 'A', position: p });
  assert.deepEqual(tapeSessions([f(3), f(1), f(2)], 2).map((s) => s.length), [2, 1]);
  assert.deepEqual(tapeSessions([f(1, 5), f(2, 50), f(3, 5)], 10, 10).map((s) => s.map((x) => x.position)), [[1], [2], [3]]);
});

test('a source without tape: the bytes at the rate, no tape part', () => {
  const t = estimateTransfer([{ size: 300 }, { size: 700 }], 100);
  assert.deepEqual(t, { files: 2, bytes: 1000, rateBytesPerSecond: 100, transferSeconds: 10, etaSeconds: 10 });
});

test('two volumes on one drive: the second waits for the first and costs an unload', () => {
  const files: LocatedFile[] = [{ path: 'a', size: 400e6, volume: 'A', position: 1 }, { path: 'b', size: 400e6, volume: 'B', position: 1 }];
  const costs = { ...LTO9, locateS: 0 };
  const e = runSessions([[files[0] as LocatedFile], [files[1] as LocatedFile]], 1, costs);
  // robot + load + read, then unload + robot back + robot + load + read
  assert.equal(e.elapsedSeconds, 10 + 16 + 1 + 56 + 10 + 10 + 16 + 1);
  assert.equal(e.mounts, 2);
  assert.equal(e.firstSessionSeconds, 27);
});
