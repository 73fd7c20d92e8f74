// The sim driver under the archive kind's stager at a scale a test can afford: 20 volumes,
// 2,000 real files, 4 drives, real (scaled) delays; staged volume by volume in position
// order, read back, released. One mount per volume, the buffer within its quota, empty after.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { openStorage, storageKind } from '../../registry.js';
import { readAll } from '../../conformance/helpers.js';
import type { StageLocation } from '../../stager.js';
import { STAGING_DIR } from '../staging-buffer.js';

void test('2,000 files on 20 volumes through 4 drives: all staged and read, 20 mounts, peak within the quota, buffer empty', async () => {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-archive-2k-'));
  try {
    const ns = path.join(top, 'archive');
    let total = 0;
    for (let d = 0; d < 20; d++) {
      fs.mkdirSync(path.join(ns, `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) {
        const size = 200 + ((d * 100 + f) * 37) % 1800;
        total += size;
        fs.writeFileSync(path.join(ns, `d${d}`, `f${f}`), Buffer.alloc(size, (d * 7 + f) % 256));
      }
    }
    const quota = Math.floor(total / 4);
    const table = { path: ns, buffer: path.join(top, 'buffer'), buffer_quota: quota, driver: 'sim', drives: 4, batch_size: 50, volumes: 20, seed: 3, scale: 1e-6 };
    const storage = openStorage(storageKind('archive').parseEndpoint(table, 'e'));
    const stager = storage.stager;
    assert.ok(stager);
    const paths: string[] = [];
    for (let d = 0; d < 20; d++) for (let f = 0; f < 100; f++) paths.push(`d${d}/f${f}`);
    const located = await stager.locate(paths);
    const byVolume = new Map<string, StageLocation[]>();
    for (const l of located) {
      assert.ok(!('error' in l), JSON.stringify(l));
      byVolume.set(l.volume, [...(byVolume.get(l.volume) ?? []), l]);
    }
    assert.equal(byVolume.size, 20);
    const groups = [...byVolume.values()].map((g) => g.sort((a, b) => a.position - b.position).map((l) => l.path));
    let next = 0;
    let read = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < groups.length) {
        const group = groups[next++] as string[];
        const results = await stager.stage(group);
        assert.deepEqual(results.filter((r) => r.error), []);
        for (const p of group) {
          assert.deepEqual(await readAll(await storage.openRead(p)), fs.readFileSync(path.join(ns, p)), p);
          read++;
        }
        await stager.release(group);
      }
    }));
    const stats = stager.stats();
    assert.equal(read, 2000);
    assert.equal(stats.files, 2000);
    assert.equal(stats.mounts, 20, 'a volume served in two sessions stays mounted between them');
    assert.ok((stats.peakBytes ?? Infinity) <= quota, `peak ${stats.peakBytes} <= quota ${quota}`);
    assert.equal(stats.usedBytes, 0);
    assert.deepEqual(fs.readdirSync(path.join(top, 'buffer'), { recursive: true }), [STAGING_DIR], 'the buffer is empty but for its own (empty) directory');
    assert.ok((stats.elapsedSeconds ?? 0) > 0 && (stats.seekSeconds ?? 0) >= 0);
  } finally {
    fs.rmSync(top, { recursive: true, force: true });
  }
});
