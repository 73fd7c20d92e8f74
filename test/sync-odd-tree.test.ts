// barge sync on a tree of every hard case, checked by an independent comparator.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeOddTree, type OddTree } from './helpers/odd-tree.js';
import { runBarge } from './helpers/run-cli.js';
import { diffSnapshots, diffTrees, snapshotTree } from './helpers/tree-diff.js';
import { walkTree } from './helpers/tree-walk.js';

let work: string;

/** every directory under root, root included, as bytes (some names are not UTF-8) */
function dirsOf(root: string): Buffer[] {
  return walkTree(root).filter((e) => e.type === 'dir').map((e) => e.abs);
}
let tree: OddTree;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'barge-odd-'));
  tree = makeOddTree(join(work, 'src'), { nonUtf8Names: true });
});
after(() => rmSync(work, { recursive: true, force: true }));

test('a full copy with -H -S equals the source: names, links, holes, modes, owners, ns times', async () => {
  const dst = join(work, 'dst-full');
  const r = await runBarge(['sync', '-H', '-S', tree.root, dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(diffTrees(tree.root, dst, { hardLinks: true, sparse: true }), []);
  // special files are named one line each, as rsync names each "non-regular file", and counted
  const kinds = { fifo: 'fifo', socket: 'socket', char: 'device' } as const;
  for (const s of tree.specialFiles) assert.ok(r.stderr.split('\n').includes(`barge: skipping non-regular file ${s.path} (${kinds[s.type]})`), `${s.path}:\n${r.stderr}`);
  assert.match(r.stderr, new RegExp(`special files skipped ${tree.specialFiles.length}`));
});

test('a second run changes nothing and copies nothing', async () => {
  const dst = join(work, 'dst-full');
  const before = snapshotTree(dst);
  const r = await runBarge(['sync', '-H', '-S', '--json', tree.root, dst]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { filesCopied: number; metaUpdated: number; symlinksMade: number; hardlinksMade: number };
  assert.equal(s.filesCopied, 0);
  assert.equal(s.metaUpdated, 0);
  assert.equal(s.symlinksMade, 0);
  assert.equal(s.hardlinksMade, 0);
  assert.deepEqual(diffSnapshots(before, snapshotTree(dst)), []);
});

test('a second run with -c (content compared) changes nothing either: no directory times set again, no hard link made again, nor predicted', async () => {
  const dst = join(work, 'dst-full');
  const ctimes = (): string[] => dirsOf(dst).map((d) => `${d.toString('hex')} ${statSync(d, { bigint: true }).ctimeNs}`);
  const before = ctimes();
  await new Promise((r) => setTimeout(r, 20));
  for (const dry of [['-n'], []]) {
    const r = await runBarge(['sync', '-c', '-H', '-S', '-v', '--json', ...dry, tree.root, dst]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { filesCopied: number; metaUpdated: number; hardlinksMade: number };
    assert.deepEqual([s.filesCopied, s.metaUpdated, s.hardlinksMade], [0, 0, 0], dry.join(''));
    assert.doesNotMatch(r.stderr, /hardlink/);
  }
  assert.deepEqual(ctimes(), before, 'no directory had its times set again (its ctime would change)');
});

test('without -H hard links arrive as separate files with the same content', async () => {
  const dst = join(work, 'dst-nolinks');
  const r = await runBarge(['sync', tree.root, dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(diffTrees(tree.root, dst, { hardLinks: false }), []);
});
