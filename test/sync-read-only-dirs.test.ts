// Read-only (0555) directories, synced by a user who is not root (issue 28, point 1): the
// first copy keeps them 0555, and later runs update, create and delete inside them, and
// remove whole read-only subtrees with --delete, as rsync -a --delete does; every mode ends
// as the source's, and an interrupted run leaves no directory more open than it was.
// Modes do not stop root, so as root barge (and rsync) run as nobody through setpriv;
// under CI=true a missing setpriv or nobody fails the test rather than skipping it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { patternBytes } from './helpers/odd-tree.js';
import { BARGE_MAIN, waitUntil } from './helpers/run-cli.js';
import { diffTrees } from './helpers/tree-diff.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const AS_NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];

function cannotRunUnprivileged(): string | undefined {
  if (!asRoot) return undefined; // already unprivileged: run as is
  const r = spawnSync(AS_NOBODY[0] as string, [...AS_NOBODY.slice(1), 'true']);
  return r.status === 0 ? undefined : `cannot run as nobody with setpriv: ${r.error?.message ?? r.stderr.toString()}`;
}
const cannot = cannotRunUnprivileged();
const skip = cannot !== undefined && process.env.CI !== 'true' ? cannot : undefined;
const rsync = spawnSync('rsync', ['--version']).status === 0;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-ro-dirs-'));
// the unprivileged user makes the destinations in here; nobody else may write it
fs.chmodSync(work, 0o755);
if (asRoot) fs.chownSync(work, NOBODY, NOBODY);
after(() => {
  for (const d of walkDirs(work)) fs.chmodSync(d, 0o755);
  fs.rmSync(work, { recursive: true, force: true });
});

function walkDirs(root: string): string[] {
  const out = [root];
  for (const e of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (e.isDirectory()) out.push(path.join(e.parentPath, e.name));
  }
  return out;
}

/** the command as the unprivileged user: its exit code and output */
function unprivileged(cmd: string[]): { code: number | null; out: string; stdout: string } {
  if (cannot !== undefined) assert.fail(cannot);
  const full = asRoot ? [...AS_NOBODY, ...cmd] : cmd;
  const r = spawnSync(full[0] as string, full.slice(1), { encoding: 'utf8', env: { ...process.env, NODE_TEST_CONTEXT: undefined } });
  return { code: r.status, out: (r.stdout ?? '') + (r.stderr ?? '') + (r.error ? String(r.error) : ''), stdout: r.stdout ?? '' };
}

function barge(args: string[]): ReturnType<typeof unprivileged> {
  return unprivileged([process.execPath, BARGE_MAIN, ...args]);
}

/** changes in the source as its owner (root here) would: the directory opened for the change, then 0555 again */
function inReadOnly(dir: string, change: () => void): void {
  fs.chmodSync(dir, 0o755);
  change();
  fs.chmodSync(dir, 0o555);
}

const MiB = 1 << 20;
const CHUNKED = ['--chunk-cutoff', '1M', '--chunk-size', '1M'];

/**
 * src/ro (0555): a, c, big.bin (chunked), sub/ (0555): b, sub/deep/ (0555): d
 * src/gone (0555): x, inner/ (0555): y      src/open (0755): o
 */
function makeSource(src: string): void {
  fs.mkdirSync(path.join(src, 'ro', 'sub', 'deep'), { recursive: true });
  fs.mkdirSync(path.join(src, 'gone', 'inner'), { recursive: true });
  fs.mkdirSync(path.join(src, 'open'));
  fs.writeFileSync(path.join(src, 'ro', 'a'), 'a\n');
  fs.writeFileSync(path.join(src, 'ro', 'c'), 'c\n');
  fs.writeFileSync(path.join(src, 'ro', 'big.bin'), patternBytes('big1', 3 * MiB + 17));
  fs.writeFileSync(path.join(src, 'ro', 'sub', 'b'), 'b\n');
  fs.writeFileSync(path.join(src, 'ro', 'sub', 'deep', 'd'), 'd\n');
  fs.writeFileSync(path.join(src, 'gone', 'x'), 'x\n');
  fs.writeFileSync(path.join(src, 'gone', 'inner', 'y'), 'y\n');
  fs.writeFileSync(path.join(src, 'open', 'o'), 'o\n');
  // whole seconds in the past: rsync's quick check compares mtimes to the second, so a
  // change within the same second as the first copy would go unseen by it
  for (const f of ['ro/a', 'ro/c', 'ro/big.bin', 'ro/sub/b', 'ro/sub/deep/d', 'gone/x', 'gone/inner/y', 'open/o']) {
    fs.utimesSync(path.join(src, f), 1_600_000_000, 1_600_000_000);
  }
  for (const d of ['ro/sub/deep', 'ro/sub', 'ro', 'gone/inner', 'gone']) fs.chmodSync(path.join(src, d), 0o555);
}

/** update, create and delete inside the read-only directories, and remove a read-only subtree */
function changeSource(src: string): void {
  inReadOnly(path.join(src, 'ro'), () => {
    fs.writeFileSync(path.join(src, 'ro', 'a'), 'a, longer now\n');
    fs.writeFileSync(path.join(src, 'ro', 'new'), 'new\n');
    fs.rmSync(path.join(src, 'ro', 'c'));
    fs.writeFileSync(path.join(src, 'ro', 'big.bin'), patternBytes('big2', 3 * MiB + 17));
    fs.symlinkSync('a', path.join(src, 'ro', 'link'));
    fs.mkdirSync(path.join(src, 'ro', 'newdir'));
    fs.writeFileSync(path.join(src, 'ro', 'newdir', 'n'), 'n\n');
    fs.chmodSync(path.join(src, 'ro', 'newdir'), 0o555);
  });
  inReadOnly(path.join(src, 'ro', 'sub', 'deep'), () => {
    fs.rmSync(path.join(src, 'ro', 'sub', 'deep', 'd'));
  });
  for (const d of ['gone/inner', 'gone']) fs.chmodSync(path.join(src, d), 0o755);
  fs.rmSync(path.join(src, 'gone'), { recursive: true });
}

/** every directory's mode below root, by path */
function dirModes(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of walkDirs(root)) out[path.relative(root, d) || '.'] = (fs.statSync(d).mode & 0o7777).toString(8);
  return out;
}

// owners differ on purpose: the source is root's, the copy the unprivileged user's
const SAME = { owner: false } as const;

test('read-only directories: first copy, then updates, creates and deletes inside them, as rsync -a --delete', { skip }, () => {
  const src = path.join(work, 'src');
  const dst = path.join(work, 'dst');
  makeSource(src);

  const first = barge(['sync', ...CHUNKED, src, dst]);
  assert.equal(first.code, 0, first.out);
  assert.deepEqual(diffTrees(src, dst, SAME), []);
  assert.equal(dirModes(dst).ro, '555');
  assert.equal(dirModes(dst)['ro/sub/deep'], '555');
  assert.equal(fs.readFileSync(path.join(dst, 'ro', 'sub', 'deep', 'd'), 'utf8'), 'd\n');

  changeSource(src);
  const second = barge(['sync', '--delete', ...CHUNKED, src, dst]);
  assert.equal(second.code, 0, second.out);
  assert.match(second.out, /deleted 6\b/, 'ro/c, ro/sub/deep/d, and gone with x, inner and y');
  assert.deepEqual(diffTrees(src, dst, SAME), []);
  assert.deepEqual(dirModes(dst), dirModes(src));
  assert.ok(!fs.existsSync(path.join(dst, 'gone')));

  const again = barge(['sync', '--delete', '--json', ...CHUNKED, src, dst]);
  assert.equal(again.code, 0, again.out);
  const s = JSON.parse(again.stdout) as { filesCopied: number; deleted: number };
  assert.equal(s.filesCopied, 0);
  assert.equal(s.deleted, 0);
});

test('rsync -a --delete as the same user does the same, to the same tree', { skip: skip ?? (rsync ? undefined : 'rsync is not installed') }, () => {
  const src = path.join(work, 'rsrc');
  const bdst = path.join(work, 'bdst');
  const rdst = path.join(work, 'rdst');
  makeSource(src);
  for (const step of [() => {}, () => changeSource(src)]) {
    step();
    const r = unprivileged(['rsync', '-a', '--delete', `${src}/`, rdst]);
    assert.equal(r.code, 0, r.out);
    const b = barge(['sync', '--delete', ...CHUNKED, src, bdst]);
    assert.equal(b.code, 0, b.out);
    // times of directories and symlinks aside: rsync (3.5.0 seen) leaves a read-only
    // directory with the time of its own changes in it, and a new symlink in one with the
    // time it was made, where barge sets the source's (checked in the test above)
    assert.deepEqual(diffTrees(rdst, bdst, { ...SAME, dirMtimes: false, symlinkMtimes: false }), []);
    assert.deepEqual(dirModes(bdst), dirModes(rdst));
  }
});

test('an interrupted run inside a read-only directory leaves it 0555; the next run resumes and finishes', { skip }, async () => {
  const src = path.join(work, 'isrc');
  const dst = path.join(work, 'idst');
  fs.mkdirSync(path.join(src, 'ro'), { recursive: true });
  fs.writeFileSync(path.join(src, 'ro', 'seed'), 'seed\n');
  fs.chmodSync(path.join(src, 'ro'), 0o555);
  const first = barge(['sync', src, dst]);
  assert.equal(first.code, 0, first.out);
  inReadOnly(path.join(src, 'ro'), () => fs.writeFileSync(path.join(src, 'ro', 'big.bin'), patternBytes('slow', 24 * MiB)));

  const cmd = [process.execPath, BARGE_MAIN, 'sync', ...CHUNKED, '--transfers', '1', '--bwlimit', '4M', src, dst];
  const full = asRoot ? [...AS_NOBODY, ...cmd] : cmd;
  const p = spawn(full[0] as string, full.slice(1), { stdio: 'ignore', env: { ...process.env, NODE_TEST_CONTEXT: undefined } });
  const ended = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
  const journal = (): string | undefined => fs.readdirSync(path.join(dst, 'ro')).find((n) => n.endsWith('.part.log'));
  await waitUntil(() => { const j = journal(); return j !== undefined && fs.readFileSync(path.join(dst, 'ro', j), 'utf8').includes('chunk 2 '); }, 30_000);
  p.kill('SIGINT');
  assert.equal(await ended, 130);
  assert.equal(dirModes(dst).ro, '555', 'the directory is as closed as before the run');
  assert.ok(!fs.existsSync(path.join(dst, 'ro', 'big.bin')), 'nothing under the final name yet');

  const again = barge(['sync', '--json', ...CHUNKED, src, dst]);
  assert.equal(again.code, 0, again.out);
  assert.ok((JSON.parse(again.stdout) as { bytesResumed: number }).bytesResumed > 0, 'resumed from the partial');
  assert.deepEqual(diffTrees(src, dst, SAME), []);
  assert.deepEqual(fs.readdirSync(path.join(dst, 'ro')).filter((n) => n.startsWith('.barge-')), []);
});
