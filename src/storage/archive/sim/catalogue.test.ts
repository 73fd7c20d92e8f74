// The simulator's placement: fixed by the seed, kept in a catalogue file, late files appended.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadCatalogue, openCatalogue, placeFiles, placeLate } from './catalogue.js';

const files = Array.from({ length: 100 }, (_, i) => ({ path: `d/f${i}`, size: 10 + i }));

void test('the same seed places the same way; files are dealt evenly, each after the last on its volume', () => {
  const a = placeFiles(files, 5, 9);
  assert.deepEqual([...a.files.values()], [...placeFiles(files, 5, 9).files.values()]);
  assert.notDeepEqual([...a.files.values()], [...placeFiles(files, 5, 10).files.values()]);
  for (const v of a.volumes) {
    const on = [...a.files.values()].filter((f) => f.volume === v).sort((x, y) => x.section - y.section);
    assert.equal(on.length, 20);
    let at = 0;
    on.forEach((f, i) => { assert.equal(f.section, i + 1); assert.equal(f.offset, at); at += f.size; });
    assert.equal(a.written.get(v), at);
  }
  const late = placeLate(a, { path: 'new', size: 5 }, 9);
  const end = (a.written.get(late.volume) ?? 0) - 5;
  assert.deepEqual(late, { path: 'new', size: 5, volume: late.volume, section: 21, offset: end });
});

void test('a catalogue file is written from the tree once, then read: the placement it holds wins', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-catalogue-'));
  try {
    fs.mkdirSync(path.join(dir, 'tree', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tree', 'sub', 'x'), 'xx');
    fs.writeFileSync(path.join(dir, 'tree', 'y'), 'y');
    const file = path.join(dir, 'catalogue.json');
    const made = openCatalogue(path.join(dir, 'tree'), { volumes: 2, seed: 1, file });
    assert.deepEqual([...made.files.keys()].sort(), ['sub/x', 'y']);
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { files: unknown[][] };
    json.files = json.files.map((f) => [f[0], f[1], 'TAPE77', f[0] === 'y' ? 2 : 1, f[0] === 'y' ? 2 : 0]);
    fs.writeFileSync(file, JSON.stringify({ ...json, volumes: ['TAPE77'] }));
    const read = openCatalogue(path.join(dir, 'tree'), { volumes: 2, seed: 1, file });
    assert.deepEqual(read.files.get('y'), { path: 'y', size: 1, volume: 'TAPE77', section: 2, offset: 2 });
    assert.equal(read.written.get('TAPE77'), 3);
    fs.writeFileSync(file, '{"version":2}');
    assert.throws(() => loadCatalogue(file), { code: 'E_CONFIG', message: /is not a catalogue/ });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
