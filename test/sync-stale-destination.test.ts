// barge sync onto a destination that already holds stale, extra, partial and mistyped
// entries: --delete, --checksum, the quick check, and what must never be touched.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeOddTree, makeStaleDestination, type OddTree } from './helpers/odd-tree.js';
import { runBarge } from './helpers/run-cli.js';
import { diffSnapshots, diffTrees, snapshotTree } from './helpers/tree-diff.js';

let work: string;
let tree: OddTree;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'barge-stale-'));
  tree = makeOddTree(join(work, 'src'), { depth: 12 });
});
after(() => rmSync(work, { recursive: true, force: true }));

/** the victims' state, to compare after the sync */
function victims(s: { victimFile: string; victimDir: string }): string {
  return JSON.stringify([readFileSync(s.victimFile, 'hex'), snapshotTree(s.victimDir)], (_k, v: unknown) => typeof v === 'bigint' ? v.toString() : v);
}

test('--delete --checksum repairs every kind of staleness and never writes through a symlink', async () => {
  const dst = join(work, 'dst-a');
  const s = makeStaleDestination(tree.root, dst);
  const was = victims(s);
  assert.ok(s.symlinkWhereSrcHasFile.length + s.symlinkWhereSrcHasDir.length > 0, 'the fixture has symlink traps');
  const r = await runBarge(['sync', '--delete', '--checksum', '-H', '-S', tree.root, dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(diffTrees(tree.root, dst, { hardLinks: true, sparse: true }), []);
  assert.equal(victims(s), was, 'nothing was written through a symlink');
});

test('the default quick check leaves same-size same-mtime files, repairs the rest, keeps extras', async () => {
  const dst = join(work, 'dst-b');
  const s = makeStaleDestination(tree.root, dst);
  const r = await runBarge(['sync', '--delete', tree.root, dst]);
  assert.equal(r.code, 0, r.stderr);
  const left = diffTrees(tree.root, dst, { hardLinks: false });
  // only the files the quick check cannot see may differ, and only in content
  for (const d of left) assert.ok(s.sameSizeSameMtime.some((p) => d.includes(JSON.stringify(p))), `unexpected difference: ${d}`);
  assert.equal(left.length, s.sameSizeSameMtime.length);
  const c = await runBarge(['sync', '--checksum', tree.root, dst]);
  assert.equal(c.code, 0, c.stderr);
  assert.deepEqual(diffTrees(tree.root, dst, { hardLinks: false }), []);
});

test('without --delete extras stay; a non-empty directory in the way of a file is an error, not deleted', async () => {
  const dst = join(work, 'dst-c');
  const s = makeStaleDestination(tree.root, dst);
  const r = await runBarge(['sync', tree.root, dst]);
  for (const p of s.extraFiles) assert.ok(snapshotTree(dst).some((e) => e.path === p), `extra ${p} kept`);
  if (s.dirWhereSrcHasFile.length > 0) {
    assert.equal(r.code, 1);
    assert.match(r.stderr, /E_EXISTS/);
    assert.match(r.stderr, /--delete replaces it/);
  } else assert.equal(r.code, 0, r.stderr);
});

test('--dry-run lists the actions and changes nothing', async () => {
  const dst = join(work, 'dst-d');
  makeStaleDestination(tree.root, dst);
  const before = snapshotTree(dst);
  const r = await runBarge(['sync', '--dry-run', '--delete', tree.root, dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(diffSnapshots(before, snapshotTree(dst)), []);
  assert.match(r.stdout, /^update /m);
  assert.match(r.stdout, /^delete /m);
  assert.match(r.stdout, /^new /m);
  assert.match(r.stderr, /dry run/);
});

test('--max-delete deletes up to its limit, then stops and says how many it skipped', async () => {
  const dst = join(work, 'dst-e');
  cpSync(tree.root, dst, { recursive: true, verbatimSymlinks: true, filter: (p) => !p.includes('special') });
  const extra = join(dst, 'extra-dir');
  cpSync(join(tree.root, 'deep'), extra, { recursive: true, verbatimSymlinks: true });
  const r = await runBarge(['sync', '--delete', '--max-delete', '3', tree.root, dst]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /E_MAX_DELETE: --max-delete 3 stopped the delete pass: \d+ deletions skipped/);
  assert.match(r.stderr, /deleted 3 \(\d+ more skipped: --max-delete\)/);
  assert.ok(existsSync(extra), 'the directory stays: not all of it went');
  const ok = await runBarge(['sync', '--delete', '--max-delete', '100000', tree.root, dst]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(diffTrees(tree.root, dst, { hardLinks: false }), []);
});
