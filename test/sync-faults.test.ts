// Faults during barge sync: unreadable files, a full disk, bytes flipped between read
// and write. Each fails only the files concerned, with the reason, and leaves no
// half-written file under a final name.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { patternBytes } from './helpers/odd-tree.js';
import { BARGE_MAIN, runBarge } from './helpers/run-cli.js';
import { diffTrees, snapshotTree } from './helpers/tree-diff.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
let work: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'barge-faults-'));
  chmodSync(work, 0o755);
});
after(() => rmSync(work, { recursive: true, force: true }));

function tempNames(root: string): string[] {
  return snapshotTree(root, { hash: false }).map((e) => e.path).filter((p) => /(^|\/)\.barge-/.test(p));
}

test('unreadable files fail with E_PERMISSION, the rest is copied, --delete is skipped', { skip: !isRoot && 'needs root to run barge as another user' }, () => {
  const src = join(work, 'perm-src');
  const dst = join(work, 'perm-dst');
  mkdirSync(join(src, 'locked'), { recursive: true });
  writeFileSync(join(src, 'ok.txt'), 'fine');
  writeFileSync(join(src, 'secret.txt'), 'hidden');
  writeFileSync(join(src, 'locked/inner.txt'), 'hidden');
  chmodSync(join(src, 'secret.txt'), 0o000);
  chmodSync(join(src, 'locked'), 0o000);
  mkdirSync(dst);
  writeFileSync(join(dst, 'extra.txt'), 'would be deleted');
  chownSync(dst, NOBODY, NOBODY);
  chownSync(join(dst, 'extra.txt'), NOBODY, NOBODY);
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const r = spawnSync(process.execPath, [BARGE_MAIN, 'sync', '--delete', src, dst], { uid: NOBODY, gid: NOBODY, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /E_PERMISSION: secret\.txt: open: permission denied/);
  assert.match(r.stderr, /E_PERMISSION: locked: list directory: permission denied/);
  assert.match(r.stderr, /delete pass skipped: 2 error/);
  assert.equal(readFileSync(join(dst, 'ok.txt'), 'utf8'), 'fine');
  assert.ok(existsSync(join(dst, 'extra.txt')), 'nothing deleted after errors');
  assert.ok(!existsSync(join(dst, 'secret.txt')));
  assert.deepEqual(tempNames(dst), []);
});

test('a full disk fails the files that do not fit, stops writing, and leaves no partial file', { skip: !isRoot && 'needs root to mount a small tmpfs' }, async (t) => {
  const src = join(work, 'full-src');
  const dst = join(work, 'full-dst');
  mkdirSync(src);
  mkdirSync(dst);
  for (let i = 0; i < 12; i++) writeFileSync(join(src, `f${i}.bin`), patternBytes(`f${i}`, 300 * 1024));
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dst], { encoding: 'utf8' });
  if (m.status !== 0) { t.skip(`cannot mount tmpfs: ${m.stderr}`); return; }
  try {
    const r = await runBarge(['sync', '--transfers', '2', src, dst]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /E_NO_SPACE/);
    assert.match(r.stderr, /destination is full/);
    const landed = readdirSync(dst).filter((n) => !n.startsWith('.'));
    assert.ok(landed.length > 0 && landed.length < 12, `some files fit: ${landed.join(' ')}`);
    for (const n of landed) assert.deepEqual(readFileSync(join(dst, n)), readFileSync(join(src, n)), `${n} complete`);
    assert.deepEqual(tempNames(dst), []);
  } finally {
    spawnSync('umount', [dst]);
  }
});

test('with --verify a byte flipped between read and write is caught; a retry copies it right', async () => {
  const src = join(work, 'flip-src');
  mkdirSync(src);
  writeFileSync(join(src, 'a.bin'), patternBytes('a', 100_000));
  writeFileSync(join(src, 'b.bin'), patternBytes('b', 100_000));
  const once = join(work, 'flip-once');
  const r1 = await runBarge(['sync', '--verify', src, once], { env: { BARGE_TEST_CORRUPT_ONCE: 'a.bin' } });
  assert.equal(r1.code, 0, r1.stderr);
  assert.deepEqual(diffTrees(src, once), []);
  const always = join(work, 'flip-always');
  const r2 = await runBarge(['sync', '--verify', src, always], { env: { BARGE_TEST_CORRUPT_ALWAYS: 'a.bin' } });
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /E_CHECKSUM: a\.bin: verify: destination reads back as/);
  assert.ok(!existsSync(join(always, 'a.bin')), 'never under its final name');
  assert.deepEqual(readFileSync(join(always, 'b.bin')), readFileSync(join(src, 'b.bin')));
  assert.deepEqual(tempNames(always), []);
});

test('with --verify a flipped byte in a chunk of a large file fails that file, and the next run copies it right', async () => {
  const src = join(work, 'flip-big-src');
  const dst = join(work, 'flip-big-dst');
  mkdirSync(src);
  writeFileSync(join(src, 'big.bin'), patternBytes('big', 3 * 1024 * 1024 + 17));
  const flags = ['--chunk-cutoff', '1M', '--chunk-size', '256K'];
  const r = await runBarge(['sync', '--verify', ...flags, src, dst], { env: { BARGE_TEST_CORRUPT_ALWAYS: 'big.bin' } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /E_CHECKSUM: big\.bin/);
  assert.ok(!existsSync(join(dst, 'big.bin')));
  const ok = await runBarge(['sync', '--verify', '--json', ...flags, src, dst]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(diffTrees(src, dst), []);
  assert.deepEqual(tempNames(dst), []);
});
