import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanGroups, SCAN_GROUP_MAX_DIRS, SCAN_GROUP_MIN_TASKS } from './scan-groups.js';
import type { ScanTask } from './task-types.js';

const dir = (rel: string): ScanTask => ({ kind: 'scan', rel, src: { name: rel, type: 'dir' } as ScanTask['src'], dst: undefined, dstExists: false, insideListedDir: false });
const dirs = (n: number): ScanTask[] => Array.from({ length: n }, (_, i) => dir(`d${i}`));
const sizes = (n: number): number[] => scanGroups(dirs(n)).map((t) => (t.kind === 'scans' ? t.dirs.length : 1));
const rels = (n: number): string[] => scanGroups(dirs(n)).flatMap((t) => (t.kind === 'scans' ? t.dirs.map((d) => d.rel) : [t.rel]));

test('every directory once, in order; a lone one stays a plain scan', () => {
  assert.deepEqual(scanGroups([]), []);
  assert.deepEqual(scanGroups(dirs(1)), dirs(1));
  for (const n of [2, 3, 4, 5, 10, 20, 33, 200]) assert.deepEqual(rels(n), dirs(n).map((d) => d.rel), `n=${n}`);
});

test('a few directories spread over separate tasks; many go in groups of at most the limit, sizes within one', () => {
  assert.deepEqual(sizes(3), [1, 1, 1]);
  assert.equal(sizes(SCAN_GROUP_MIN_TASKS).length, SCAN_GROUP_MIN_TASKS);
  assert.deepEqual(sizes(10), [3, 3, 2, 2]);
  assert.deepEqual(sizes(20), [5, 5, 5, 5]);
  for (const n of [33, 64, 65, 200, 1001]) {
    const s = sizes(n);
    assert.ok(Math.max(...s) <= SCAN_GROUP_MAX_DIRS, `n=${n}: ${s.join(',')}`);
    assert.ok(Math.max(...s) - Math.min(...s) <= 1, `n=${n}`);
    assert.equal(s.length, Math.ceil(n / SCAN_GROUP_MAX_DIRS));
  }
});
