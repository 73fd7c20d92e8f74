// Safety edges of barge sync: what --delete may touch, traps planted in the destination,
// type replacements that wait for the delete pass, roots that only look apart.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { journalNameFor } from '../src/core/temp-names.js';
import { patternBytes } from './helpers/odd-tree.js';
import { runBarge } from './helpers/run-cli.js';
import { diffTrees } from './helpers/tree-diff.js';

let work: string;
let n = 0;
before(() => { work = mkdtempSync(join(tmpdir(), 'barge-safety-')); });
after(() => rmSync(work, { recursive: true, force: true }));

function fresh(): { src: string; dst: string } {
  n++;
  const src = join(work, `src${n}`);
  const dst = join(work, `dst${n}`);
  mkdirSync(src);
  mkdirSync(dst);
  return { src, dst };
}

test('--delete leaves excluded files inside a directory only the destination has', async () => {
  const { src, dst } = fresh();
  writeFileSync(join(src, 'a.txt'), 'a');
  mkdirSync(join(dst, 'old/deeper'), { recursive: true });
  writeFileSync(join(dst, 'old/x.keep'), 'mine');
  writeFileSync(join(dst, 'old/y.txt'), 'stale');
  writeFileSync(join(dst, 'old/deeper/z.txt'), 'stale');
  mkdirSync(join(dst, 'gone'));
  writeFileSync(join(dst, 'gone/w.txt'), 'stale');
  const r = await runBarge(['sync', '--delete', '--exclude', '*.keep', src, dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dst, 'old/x.keep'), 'utf8'), 'mine');
  assert.ok(!existsSync(join(dst, 'old/y.txt')));
  assert.ok(!existsSync(join(dst, 'old/deeper')));
  assert.ok(!existsSync(join(dst, 'gone')));
});

test('a non-empty directory in the way waits for the delete pass, and stays when --max-delete stops that pass first', async () => {
  const { src, dst } = fresh();
  writeFileSync(join(src, 'thing'), 'now a file');
  mkdirSync(join(dst, 'thing/sub'), { recursive: true });
  for (let i = 0; i < 5; i++) writeFileSync(join(dst, 'thing/sub', `f${i}`), 'old');
  const refused = await runBarge(['sync', '--delete', '--max-delete', '2', src, dst]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /E_MAX_DELETE/);
  assert.match(refused.stderr, /E_EXISTS: thing: a directory is in the way of the source file and still holds entries after the delete pass/);
  assert.equal(readdirSync(join(dst, 'thing/sub')).length, 3, 'two deleted, up to the limit');
  const ok = await runBarge(['sync', '--delete', src, dst]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(readFileSync(join(dst, 'thing'), 'utf8'), 'now a file');
  assert.deepEqual(diffTrees(src, dst), []);
});

test('--ignore-existing leaves an entry of another type alone', async () => {
  const { src, dst } = fresh();
  mkdirSync(join(src, 'x'));
  writeFileSync(join(src, 'x/inner'), 'i');
  writeFileSync(join(dst, 'x'), 'a file where the source has a directory');
  const r = await runBarge(['sync', '--ignore-existing', src, dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dst, 'x'), 'utf8'), 'a file where the source has a directory');
});

test('a symlink planted as a partial-file journal is never written through', async () => {
  const { src, dst } = fresh();
  writeFileSync(join(src, 'big.bin'), patternBytes('big', 3 * 1024 * 1024));
  const victim = join(work, `victim${n}`);
  writeFileSync(victim, 'precious');
  symlinkSync(victim, join(dst, journalNameFor('big.bin')));
  const r = await runBarge(['sync', '--chunk-cutoff', '1M', '--chunk-size', '512K', src, dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  assert.deepEqual(diffTrees(src, dst), []);
});

test('a destination named ..x inside the source is refused', async () => {
  const { src } = fresh();
  const r = await runBarge(['sync', src, join(src, '..x')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is inside the source/);
});

test('--files-from accepts ./ prefixes as find . writes them', async () => {
  const { src, dst } = fresh();
  mkdirSync(join(src, 'd'));
  writeFileSync(join(src, 'd/want'), 'w');
  writeFileSync(join(src, 'other'), 'o');
  const list = join(work, `list${n}`);
  writeFileSync(list, './d/want\n');
  const r = await runBarge(['sync', '--files-from', list, src, dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(dst).sort(), ['d']);
  assert.equal(readFileSync(join(dst, 'd/want'), 'utf8'), 'w');
});
